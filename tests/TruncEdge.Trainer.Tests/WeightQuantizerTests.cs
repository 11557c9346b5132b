using TruncEdge.Model.TruncQuant;
using TruncEdge.Trainer.Quantization;
using TruncEdge.Trainer.Tensors;

namespace TruncEdge.Trainer.Tests;

public class WeightQuantizerTests
{
    // TRUNCQUANT.md section 2, test vectors.
    private static readonly float[] X = [-0.30f, -0.12f, -0.05f, 0.00f, 0.02f, 0.07f, 0.11f, 0.25f];
    private const double E = 0.115;

    public static TheoryData<int, int[]> TruncQuantCodes => new()
    {
        { 8, [0, 75, 106, 128, 136, 158, 176, 235] },
        { 4, [0, 4, 6, 8, 8, 9, 11, 14] },
        { 3, [0, 2, 3, 4, 4, 4, 5, 7] },
        { 2, [0, 1, 1, 2, 2, 2, 2, 3] },
        { 1, [0, 0, 0, 1, 1, 1, 1, 1] },
    };

    [Theory]
    [MemberData(nameof(TruncQuantCodes))]
    public void TruncQuantForwardUsesTheSpecCodes(int k, int[] codes)
    {
        var q = Quantizer(WeightQuantizer.TruncQuant);
        foreach (var d in new[] { WeightDeployment.Quantize, WeightDeployment.Truncate })
        {
            var w = q.Forward(Precision.Of(k), d);
            int n = (1 << k) - 1;
            for (int i = 0; i < X.Length; i++)
            {
                Assert.Equal((float)(E * (2 * codes[i] - n) / n), w[i], 6);
            }
        }
        Assert.Equal(E, q.MeanAbs, 7);
    }

    [Fact]
    public void SignedLevelsAtFourBitsMatchTheSpec()
    {
        var w = Quantizer(WeightQuantizer.TruncQuant).Forward(Precision.Of(4), WeightDeployment.Quantize);
        int[] s = [-15, -7, -3, 1, 1, 3, 7, 13];
        for (int i = 0; i < X.Length; i++)
        {
            Assert.Equal(s[i], (int)Math.Round(w[i] / E * 15));
        }
    }

    [Fact]
    public void RoundQuantizerDiffersAtElementSevenAndTruncatesItsEightBitCodes()
    {
        var q = Quantizer(WeightQuantizer.Round);
        var w = q.Forward(Precision.Of(4), WeightDeployment.Quantize);
        int[] expected = [0, 4, 6, 8, 8, 9, 10, 14];
        for (int i = 0; i < X.Length; i++)
        {
            Assert.Equal((float)(E * (2 * expected[i] - 15) / 15), w[i], 6);
        }
        var codes8 = WeightCodes.Compute(X, WeightQuantizer.Round).Codes8;
        var t = q.Forward(Precision.Of(4), WeightDeployment.Truncate);
        for (int i = 0; i < X.Length; i++)
        {
            int c = codes8[i] >> 4;
            Assert.Equal((float)(E * (2 * c - 15) / 15), t[i], 6);
        }
    }

    [Fact]
    public void FullPrecisionIsETimesTanhOverM()
    {
        var w = Quantizer(WeightQuantizer.TruncQuant).Forward(Precision.Full, WeightDeployment.Quantize);
        double m = X.Max(v => Math.Abs(Math.Tanh(v)));
        Assert.Equal(0.291313, m, 6);
        for (int i = 0; i < X.Length; i++)
        {
            Assert.Equal(E * Math.Tanh(X[i]) / m, w[i], 6);
        }
    }

    [Fact]
    public void PinnedLayerUsesEightBitsForEveryMember()
    {
        var p = new Parameter("w", [X.Length], ParameterRole.Weight);
        X.CopyTo(p.Value, 0);
        var q = new WeightFakeQuantizer(p, WeightQuantizer.TruncQuant, pinned: true);
        var w8 = (float[])q.Forward(Precision.Of(8), WeightDeployment.Quantize).Clone();
        Assert.Equal(w8, q.Forward(Precision.Of(1), WeightDeployment.Truncate));
        Assert.Equal(w8, q.Forward(Precision.Full, WeightDeployment.Quantize));
    }

    [Fact]
    public void ExportedCodesAreTheCodesTheForwardPassUses()
    {
        var rng = new Rng(3);
        var p = new Parameter("w", [500], ParameterRole.Weight);
        TestUtil.Random(rng, 500, 0.7).CopyTo(p.Value, 0);
        var q = new WeightFakeQuantizer(p, WeightQuantizer.TruncQuant, pinned: false);
        var set = q.Codes8();
        for (int k = 1; k <= 8; k++)
        {
            var w = q.Forward(Precision.Of(k), WeightDeployment.Quantize);
            int n = (1 << k) - 1;
            for (int i = 0; i < 500; i++)
            {
                int c = set.Codes8[i] >> (8 - k);
                Assert.Equal((float)(set.MeanAbs * (2 * c - n) / n), w[i]);
            }
        }
    }

    /// <summary>STE: the gradient is that of w = E * (2u - 1) = E * tanh(x) / M with E held constant,
    /// through tanh and M (finite differences in double), the same for every member.</summary>
    [Theory]
    [InlineData(32)]
    [InlineData(4)]
    [InlineData(1)]
    public void BackwardIsTheStraightThroughGradient(int bits)
    {
        var rng = new Rng(12);
        int len = 40;
        var p = new Parameter("w", [len], ParameterRole.Weight);
        TestUtil.Random(rng, len, 1.5).CopyTo(p.Value, 0);
        var q = new WeightFakeQuantizer(p, WeightQuantizer.TruncQuant, pinned: false);
        var g = TestUtil.Random(rng, len);
        q.Forward(Precision.Of(bits), WeightDeployment.Quantize);
        q.Backward(g);
        double e0 = p.Value.Average(v => Math.Abs((double)v));
        var x = p.Value.Select(v => (double)v).ToArray();
        double F(double[] xs)
        {
            double m = xs.Max(v => Math.Abs(Math.Tanh(v)));
            return xs.Select((v, i) => g[i] * e0 * Math.Tanh(v) / m).Sum();
        }
        for (int i = 0; i < len; i++)
        {
            var xp = (double[])x.Clone();
            var xm = (double[])x.Clone();
            xp[i] += 1e-6;
            xm[i] -= 1e-6;
            double numeric = (F(xp) - F(xm)) / 2e-6;
            Assert.True(Math.Abs(p.Grad[i] - numeric) < 1e-4 * (1 + Math.Abs(numeric)), $"element {i}: {p.Grad[i]} vs {numeric}");
        }
    }

    private static WeightFakeQuantizer Quantizer(WeightQuantizer kind)
    {
        var p = new Parameter("w", [X.Length], ParameterRole.Weight);
        X.CopyTo(p.Value, 0);
        return new WeightFakeQuantizer(p, kind, pinned: false);
    }
}
