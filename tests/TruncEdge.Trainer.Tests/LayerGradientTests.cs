using TruncEdge.Model.TruncQuant;
using TruncEdge.Trainer.Kernels;
using TruncEdge.Trainer.Layers;
using TruncEdge.Trainer.Losses;
using TruncEdge.Trainer.Quantization;
using TruncEdge.Trainer.Tensors;

namespace TruncEdge.Trainer.Tests;

/// <summary>
/// Finite-difference checks of every layer's backward pass: loss = sum(r * layer(x)) for a random
/// r, derivative with respect to the input (and parameters where the layer has them).
/// </summary>
public class LayerGradientTests
{
    private static readonly ComputeContext Compute = new(2);

    private static void CheckInputGradient(Layer layer, int[] shape, PassContext ctx, double h = 1e-2, double tol = 2e-3,
        Func<Rng, float[]>? input = null, ulong seed = 3)
    {
        var rng = new Rng(seed);
        var x = new Tensor(input?.Invoke(rng) ?? TestUtil.Random(rng, Tensor.ShapeLength(shape)), shape);
        var y0 = layer.Forward(x, ctx);
        var r = TestUtil.Random(rng, y0.Length);
        double Loss() => TestUtil.Dot(layer.Forward(x, ctx).Data, r, r.Length);
        Loss();
        var dx = layer.Backward(new Tensor(r, y0.Shape), ctx)!;
        var analytic = (float[])dx.Data.Clone();
        var coords = TestUtil.Coordinates(rng, x.Length, 60);
        var numeric = TestUtil.NumericGradient(x.Data, coords, h, Loss);
        double err = TestUtil.RelativeError(coords.Select(i => (double)analytic[i]).ToArray(), numeric);
        Assert.True(err < tol, $"{layer.Name}: relative error {err}");
    }

    [Fact]
    public void MaxPool()
    {
        // Distinct values keep every window's maximum away from ties.
        var layer = new MaxPool2d("pool", new PoolSpec(3, 2, 2, 1, 1, 0, 1, 1));
        CheckInputGradient(layer, [2, 3, 7, 6], Ctx(Precision.Of(4)),
            input: rng => rng.Permutation(252).Select(v => v * 0.1f).ToArray());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AvgPool(bool countIncludePad) =>
        CheckInputGradient(new AvgPool2d("avg", new PoolSpec(3, 3, 2, 2, 1, 1, 1, 0), countIncludePad), [2, 3, 7, 6], Ctx(Precision.Of(4)));

    [Fact]
    public void GlobalAveragePool() => CheckInputGradient(new GlobalAvgPool("gap"), [4, 3, 5, 2], Ctx(Precision.Of(4)));

    [Fact]
    public void Flatten() => CheckInputGradient(new Flatten("flat"), [3, 2, 4, 5], Ctx(Precision.Of(4)));

    [Fact]
    public void ReluForFullPrecisionMember() =>
        CheckInputGradient(new ActivationQuantizer("act", 4), [3, 4, 5, 5], Ctx(Precision.Full), h: 1e-3);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void BatchNormInputAndAffine(bool training)
    {
        var bn = new BatchNorm("bn", 3, shared: false);
        var st = bn.State(Precision.Of(2));
        var rng = new Rng(4);
        for (int c = 0; c < 3; c++)
        {
            st.Gamma.Value[c] = (float)(0.5 + rng.NextDouble());
            st.Beta.Value[c] = (float)(rng.NextDouble() - 0.5);
            st.RunningMean[c] = (float)(rng.NextDouble() - 0.5);
            st.RunningVar[c] = (float)(0.5 + rng.NextDouble());
        }
        var ctx = Ctx(Precision.Of(2), training);
        // Input gradient (running statistics change on every training forward but do not affect the output).
        CheckInputGradient(bn, [3, 4, 3, 2], ctx, h: 1e-2, tol: 3e-3);

        var x = new Tensor(TestUtil.Random(rng, 72, 2), 3, 4, 3, 2);
        var y0 = bn.Forward(x, ctx);
        var r = TestUtil.Random(rng, y0.Length);
        st.Gamma.ZeroGrad();
        st.Beta.ZeroGrad();
        bn.Backward(new Tensor(r, y0.Shape), ctx);
        double Loss() => TestUtil.Dot(bn.Forward(x, ctx).Data, r, r.Length);
        var ng = TestUtil.NumericGradient(st.Gamma.Value, [0, 1, 2], 1e-2, Loss);
        var nb = TestUtil.NumericGradient(st.Beta.Value, [0, 1, 2], 1e-2, Loss);
        Assert.True(TestUtil.RelativeError(st.Gamma.Grad.Select(v => (double)v).ToArray(), ng) < 2e-3);
        Assert.True(TestUtil.RelativeError(st.Beta.Grad.Select(v => (double)v).ToArray(), nb) < 2e-3);
    }

    [Fact]
    public void BatchNormTrainingMatchesDoubleReference()
    {
        var rng = new Rng(8);
        int c = 2, s = 50;
        var x = TestUtil.Random(rng, c * s, 3);
        var gamma = new float[] { 1.5f, 0.7f };
        var beta = new float[] { 0.2f, -0.4f };
        var y = new float[c * s];
        float[] mean = new float[c], inv = new float[c], var = new float[c];
        BatchNormKernels.TrainForward(Compute, c, s, 1e-5f, x, gamma, beta, y, mean, inv, var);
        for (int ch = 0; ch < c; ch++)
        {
            double m = 0, v = 0;
            for (int i = 0; i < s; i++)
            {
                m += x[ch * s + i];
            }
            m /= s;
            for (int i = 0; i < s; i++)
            {
                v += Math.Pow(x[ch * s + i] - m, 2);
            }
            v /= s;
            for (int i = 0; i < s; i++)
            {
                double want = (x[ch * s + i] - m) / Math.Sqrt(v + 1e-5) * gamma[ch] + beta[ch];
                Assert.Equal(want, y[ch * s + i], 4);
            }
        }
    }

    [Fact]
    public void ResidualBlockWithProjection_FullPrecisionMember()
    {
        var block = Block(4, 6, 2);
        CheckInputGradient(block, [4, 3, 6, 6], Ctx(Precision.Full), h: 1e-3, tol: 2e-2);
    }

    [Fact]
    public void ResidualBlockIdentity_FullPrecisionMember()
    {
        var block = Block(4, 4, 1);
        CheckInputGradient(block, [4, 3, 5, 5], Ctx(Precision.Full), h: 1e-3, tol: 2e-2);
    }

    [Fact]
    public void DenseWithBias()
    {
        var dense = new Dense("fc", 7, 5, bias: true, WeightQuantizer.TruncQuant, pinned: false);
        var rng = new Rng(6);
        TestUtil.Random(rng, dense.Weight.Length).CopyTo(dense.Weight.Value, 0);
        TestUtil.Random(rng, 5).CopyTo(dense.Bias!.Value, 0);
        dense.Weight.MarkChanged();
        var ctx = Ctx(Precision.Of(3));
        CheckInputGradient(dense, [7, 4], ctx, h: 0.25, tol: 1e-4);

        var x = new Tensor(TestUtil.Random(rng, 28), 7, 4);
        var y0 = dense.Forward(x, ctx);
        var r = TestUtil.Random(rng, y0.Length);
        dense.Bias.ZeroGrad();
        dense.Backward(new Tensor(r, y0.Shape), ctx);
        var nb = TestUtil.NumericGradient(dense.Bias.Value, [0, 1, 2, 3, 4], 0.25,
            () => TestUtil.Dot(dense.Forward(x, ctx).Data, r, r.Length));
        Assert.True(TestUtil.RelativeError(dense.Bias.Grad.Select(v => (double)v).ToArray(), nb) < 1e-4);
    }

    [Fact]
    public void ConvLayerInputGradient_QuantizedMember()
    {
        var conv = new Conv2d("conv", ConvSpec.Square(3, 5, 3, 2), WeightQuantizer.TruncQuant, pinned: false);
        var rng = new Rng(7);
        TestUtil.Random(rng, conv.Weight.Length).CopyTo(conv.Weight.Value, 0);
        conv.Weight.MarkChanged();
        CheckInputGradient(conv, [3, 2, 7, 6], Ctx(Precision.Of(2)), h: 0.25, tol: 1e-4);
    }

    [Fact]
    public void CrossEntropyHardAndSoft()
    {
        var rng = new Rng(11);
        int k = 5, n = 4;
        var z = new Tensor(TestUtil.Random(rng, k * n, 3), k, n);
        int[] labels = [0, 3, 4, 1];
        var targets = new float[k * n];
        for (int b = 0; b < n; b++)
        {
            double sum = 0;
            var t = new double[k];
            for (int c = 0; c < k; c++)
            {
                t[c] = rng.NextDouble();
                sum += t[c];
            }
            for (int c = 0; c < k; c++)
            {
                targets[c * n + b] = (float)(t[c] / sum);
            }
        }
        var grad = new float[k * n];
        var probs = new float[k * n];
        var coords = Enumerable.Range(0, k * n).ToArray();

        CrossEntropy.Hard(z, labels, grad, probs);
        var g = grad.Select(v => (double)v).ToArray();
        var num = TestUtil.NumericGradient(z.Data, coords, 1e-3, () => CrossEntropy.Hard(z, labels, new float[k * n], new float[k * n]).Loss);
        Assert.True(TestUtil.RelativeError(g, num) < 1e-3);

        CrossEntropy.Soft(z, targets, labels, grad, probs);
        g = grad.Select(v => (double)v).ToArray();
        num = TestUtil.NumericGradient(z.Data, coords, 1e-3, () => CrossEntropy.Soft(z, targets, labels, new float[k * n], new float[k * n]).Loss);
        Assert.True(TestUtil.RelativeError(g, num) < 1e-3);
    }

    private static ResidualBlock Block(int inC, int outC, int stride)
    {
        var rng = new Rng(10);
        Conv2d Conv(string name, ConvSpec spec)
        {
            var c = new Conv2d(name, spec, WeightQuantizer.TruncQuant, pinned: false);
            TestUtil.Random(rng, c.Weight.Length, 0.5).CopyTo(c.Weight.Value, 0);
            c.Weight.MarkChanged();
            return c;
        }
        var branch = new Sequential("branch",
            Conv("c1", ConvSpec.Square(inC, outC, 3, stride)), new BatchNorm("b1", outC, false), new ActivationQuantizer("a1", 4),
            Conv("c2", ConvSpec.Square(outC, outC, 3)), new BatchNorm("b2", outC, false));
        Sequential? shortcut = stride == 1 && inC == outC ? null
            : new Sequential("sc", Conv("cs", new ConvSpec(inC, outC, 1, 1, stride, stride)), new BatchNorm("bs", outC, false));
        return new ResidualBlock("block", branch, shortcut, new ActivationQuantizer("out", 4));
    }

    private static PassContext Ctx(Precision p, bool training = true) => new(Compute, p, training);
}

public class PoolingTests
{
    [Fact]
    public void TwoByTwoFastPathEqualsTheGeneralWindowIncludingTies()
    {
        var rng = new Rng(5);
        // Quantized-looking values: many ties inside windows.
        var x = Enumerable.Range(0, 2 * 3 * 6 * 8).Select(_ => rng.NextInt(4) / 3f).ToArray();
        var fast = new PoolGeometry(2, 3, 6, 8, 2, 2, 2, 2, 0, 0, 0, 0);
        var general = new PoolGeometry(2, 3, 6, 8, 2, 2, 2, 2, 0, 0, 1, 1); // same windows, general path
        var ctx = new ComputeContext(2);
        var y1 = new float[fast.Planes * fast.OutPlane];
        var a1 = new int[y1.Length];
        PoolKernels.MaxForward(ctx, fast, x, y1, a1);
        var y2 = new float[general.Planes * general.OutPlane];
        var a2 = new int[y2.Length];
        PoolKernels.MaxForward(ctx, general, x, y2, a2);
        Assert.Equal(fast.OutPlane, general.OutPlane);
        Assert.Equal(y2, y1);
        Assert.Equal(a2, a1);
    }
}
