using TruncEdge.Trainer.Kernels;
using TruncEdge.Trainer.Tensors;

namespace TruncEdge.Trainer.Tests;

public class ConvKernelTests
{
    public static TheoryData<ConvGeometry> Geometries => new()
    {
        new ConvGeometry(3, 4, 1, 3, 3, 1, 1, 1, 1, 1, 1, 2, 5, 6),
        new ConvGeometry(4, 6, 2, 3, 2, 2, 2, 0, 1, 2, 0, 2, 7, 5),
        new ConvGeometry(4, 4, 4, 3, 3, 1, 1, 1, 1, 1, 1, 3, 5, 5),
        new ConvGeometry(6, 6, 6, 3, 3, 2, 2, 0, 1, 1, 0, 2, 6, 7),
        new ConvGeometry(5, 3, 1, 1, 1, 1, 1, 0, 0, 0, 0, 2, 4, 3),
        new ConvGeometry(4, 8, 1, 1, 1, 2, 2, 0, 0, 0, 0, 2, 6, 6),
        new ConvGeometry(1, 4, 1, 10, 4, 2, 2, 4, 1, 5, 1, 2, 12, 6),
        new ConvGeometry(2, 3, 1, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1),
        new ConvGeometry(3, 5, 1, 3, 3, 2, 2, 1, 1, 1, 1, 3, 8, 6),
        new ConvGeometry(3, 4, 1, 1, 1, 2, 2, 0, 0, 0, 0, 2, 4, 2),
        new ConvGeometry(2, 2, 1, 3, 3, 2, 2, 1, 1, 1, 1, 2, 2, 2),
    };

    [Theory]
    [MemberData(nameof(Geometries))]
    public void ForwardMatchesDirectDoubleConvolution(ConvGeometry g)
    {
        var rng = new Rng(1);
        var x = TestUtil.Random(rng, g.InChannels * g.Batch * g.InPlane);
        var w = TestUtil.Random(rng, g.OutChannels * g.PatchSize);
        var y = new float[g.OutChannels * g.OutPositions];
        ConvKernels.Forward(new ComputeContext(2), g, x, w, y);
        var expected = Reference(g, x, w);
        for (int i = 0; i < y.Length; i++)
        {
            Assert.True(Math.Abs(y[i] - expected[i]) < 1e-5, $"element {i}: {y[i]} vs {expected[i]}");
        }
    }

    [Theory]
    [MemberData(nameof(Geometries))]
    public void BackwardMatchesFiniteDifferences(ConvGeometry g)
    {
        var rng = new Rng(2);
        var ctx = new ComputeContext(2);
        var x = TestUtil.Random(rng, g.InChannels * g.Batch * g.InPlane);
        var w = TestUtil.Random(rng, g.OutChannels * g.PatchSize);
        var r = TestUtil.Random(rng, g.OutChannels * g.OutPositions);
        var y = new float[r.Length];
        double Loss()
        {
            ConvKernels.Forward(ctx, g, x, w, y);
            return TestUtil.Dot(y, r, y.Length);
        }

        var dw = TestUtil.Random(rng, w.Length); // accumulated into: keep the initial values
        var dw0 = (float[])dw.Clone();
        ConvKernels.BackwardWeight(ctx, g, x, r, dw);
        var dx = TestUtil.Random(rng, x.Length); // overwritten
        ConvKernels.BackwardData(ctx, g, w, r, dx);

        var wc = TestUtil.Coordinates(rng, w.Length, 40);
        var nw = TestUtil.NumericGradient(w, wc, 0.25, Loss);
        Assert.True(TestUtil.RelativeError(wc.Select(i => (double)dw[i] - dw0[i]).ToArray(), nw) < 1e-4);
        var xc = TestUtil.Coordinates(rng, x.Length, 40);
        var nx = TestUtil.NumericGradient(x, xc, 0.25, Loss);
        Assert.True(TestUtil.RelativeError(xc.Select(i => (double)dx[i]).ToArray(), nx) < 1e-4);
    }

    private static double[] Reference(ConvGeometry g, float[] x, float[] w)
    {
        var y = new double[g.OutChannels * g.OutPositions];
        for (int oc = 0; oc < g.OutChannels; oc++)
        {
            int gi = oc / g.OutPerGroup;
            for (int n = 0; n < g.Batch; n++)
            {
                for (int oy = 0; oy < g.OutHeight; oy++)
                {
                    for (int ox = 0; ox < g.OutWidth; ox++)
                    {
                        double s = 0;
                        for (int ci = 0; ci < g.InPerGroup; ci++)
                        {
                            for (int i = 0; i < g.KernelH; i++)
                            {
                                for (int j = 0; j < g.KernelW; j++)
                                {
                                    int iy = oy * g.StrideH + i - g.PadTop, ix = ox * g.StrideW + j - g.PadLeft;
                                    if (iy < 0 || iy >= g.Height || ix < 0 || ix >= g.Width)
                                    {
                                        continue;
                                    }
                                    int c = gi * g.InPerGroup + ci;
                                    s += (double)w[((oc * g.InPerGroup + ci) * g.KernelH + i) * g.KernelW + j]
                                        * x[((c * g.Batch + n) * g.Height + iy) * g.Width + ix];
                                }
                            }
                        }
                        y[((oc * g.Batch + n) * g.OutHeight + oy) * g.OutWidth + ox] = s;
                    }
                }
            }
        }
        return y;
    }
}
