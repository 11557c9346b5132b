using TruncEdge.Trainer.Kernels;
using TruncEdge.Trainer.Layers;
using TruncEdge.Trainer.Quantization;
using TruncEdge.Trainer.Tensors;

namespace TruncEdge.Trainer.Tests;

public class ActivationQuantizerTests
{
    private static readonly ComputeContext Compute = new(2);

    [Theory]
    [InlineData(1, 0.5f, 0f)]          // tie: to even (0; half up would give 1)
    [InlineData(1, 0.49f, 0f)]
    [InlineData(2, 0.5f, 2f / 3f)]     // tie 1.5 -> 2 (even)
    [InlineData(3, 0.5f, 4f / 7f)]     // tie 3.5 -> 4 (even)
    [InlineData(4, -0.3f, 0f)]         // clamped below
    [InlineData(4, 1.7f, 1f)]          // clamped above
    [InlineData(8, 0.5f, 128f / 255f)] // tie 127.5 -> 128 (even)
    public void ClampsAndRoundsHalfToEven(int bits, float x, float expected)
    {
        Assert.Equal(expected, ActivationKernels.Quantize(x, (1 << bits) - 1), 6);
        var y = new float[16];
        var xs = Enumerable.Repeat(x, 16).ToArray();
        ActivationKernels.QuantizeForward(Compute, bits, xs, y, 16);
        Assert.All(y, v => Assert.Equal(expected, v, 6));
    }

    [Fact]
    public void VectorPathEqualsScalarDefinitionEverywhere()
    {
        var rng = new Rng(2);
        var x = TestUtil.Random(rng, 100_003, 1.5);
        for (int bits = 1; bits <= 8; bits++)
        {
            var y = new float[x.Length];
            ActivationKernels.QuantizeForward(Compute, bits, x, y, x.Length);
            float q = (1 << bits) - 1;
            for (int i = 0; i < x.Length; i++)
            {
                Assert.Equal(MathF.Round(Math.Clamp(x[i], 0f, 1f) * q, MidpointRounding.ToEven) / q, y[i]);
            }
        }
    }

    [Fact]
    public void StraightThroughInsideZeroOutside()
    {
        var layer = new ActivationQuantizer("a", 4);
        var ctx = new PassContext(Compute, Precision.Of(2), training: true);
        var x = new Tensor(new[] { -0.5f, 0f, 0.01f, 0.5f, 0.99f, 1f, 1.5f, 0.3f }, 8, 1);
        layer.Forward(x, ctx);
        var dy = new Tensor(Enumerable.Repeat(2f, 8).ToArray(), 8, 1);
        var dx = layer.Backward(dy, ctx)!;
        Assert.Equal(new[] { 0f, 0f, 2f, 2f, 2f, 0f, 0f, 2f }, dx.Span.ToArray());
    }

    [Fact]
    public void FullPrecisionMemberUsesRelu()
    {
        var layer = new ActivationQuantizer("a", 4);
        var ctx = new PassContext(Compute, Precision.Full, training: false);
        var y = layer.Forward(new Tensor(new[] { -1f, 0.37f, 2.5f }, 3, 1), ctx);
        Assert.Equal(new[] { 0f, 0.37f, 2.5f }, y.Span.ToArray());
    }
}

public class DatasetTests
{
    [Fact]
    public void HwcCopyInterleavesChannels()
    {
        // 2 samples of 3 x 1 x 2 (C, H, W)
        var ds = new Data.Dataset("t", 3, 1, 2, 2, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], [0, 1]);
        var dst = new byte[6];
        ds.CopySampleHwc(1, dst);
        Assert.Equal(new byte[] { 7, 9, 11, 8, 10, 12 }, dst);
    }

    [Fact]
    public void DigitsCodesFollowTheDocumentedMapping()
    {
        // (255 v + 8) / 16: 0 -> 0, 1 -> 16, 8 -> 128, 16 -> 255
        Assert.Equal(new[] { 0, 16, 128, 255 }, new[] { 0, 1, 8, 16 }.Select(v => (255 * v + 8) / 16));
        var split = TrainingTests.Digits();
        Assert.Equal("digits", split.Train.Name);
        Assert.Equal(1, split.Train.Channels);
        Assert.Equal(8, split.Train.Height);
        Assert.Equal(1438, split.Train.Count);
        Assert.Equal(359, split.Test.Count);
        var allowed = Enumerable.Range(0, 17).Select(v => (byte)((255 * v + 8) / 16)).ToHashSet();
        Assert.All(split.Train.Images.Distinct(), b => Assert.Contains(b, allowed));
    }

    [Fact]
    public void MissingDataNamesTheFetchCommand()
    {
        var e = Assert.Throws<Data.DataSetException>(() => Data.DataSets.Load("mnist", "/nonexistent-truncedge-data"));
        Assert.Contains("scripts/fetch-data.sh mnist", e.Message);
    }
}
