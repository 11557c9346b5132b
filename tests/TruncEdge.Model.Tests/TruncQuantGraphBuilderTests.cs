using TruncEdge.Model.Building;
using TruncEdge.Model.Graph;
using TruncEdge.Model.TruncQuant;

namespace TruncEdge.Model.Tests;

public sealed class TruncQuantGraphBuilderTests
{
    private static TruncQuantGraphBuilder NewBuilder() => new("t", WeightQuantizer.TruncQuant, [2, 4, 8], activationBits: 4);

    [Fact]
    public void ShapesFollowOnnxRules()
    {
        var b = NewBuilder();
        var x = b.InputU8(3, 32, 32);
        Assert.Equal(new long[] { 1, 3, 32, 32 }, b.ShapeOf(x));
        x = b.Conv(x, new float[16 * 3 * 3 * 3], 16, 3, 3, stride: (2, 2), pads: (1, 1, 1, 1));
        Assert.Equal(new long[] { 1, 16, 16, 16 }, b.ShapeOf(x));
        x = b.Conv(x, new float[16 * 5 * 1], 16, 5, 1, groups: 16);
        Assert.Equal(new long[] { 1, 16, 12, 16 }, b.ShapeOf(x));
        x = b.MaxPool(x, 3, 3, stride: (2, 2), pads: (0, 0, 1, 1));
        Assert.Equal(new long[] { 1, 16, 6, 8 }, b.ShapeOf(x));
        x = b.AveragePool(x, 2, 2);
        Assert.Equal(new long[] { 1, 16, 3, 4 }, b.ShapeOf(x));
        var y = b.GlobalAveragePool(x);
        Assert.Equal(new long[] { 1, 16, 1, 1 }, b.ShapeOf(y));
        x = b.Flatten(x);
        Assert.Equal(new long[] { 1, 192 }, b.ShapeOf(x));
        x = b.Reshape(x, [1, -1]);
        Assert.Equal(new long[] { 1, 192 }, b.ShapeOf(x));
        x = b.Gemm(x, new float[10 * 192], 10);
        Assert.Equal(new long[] { 1, 10 }, b.ShapeOf(x));
        x = b.MatMulAdd(x, new float[10 * 5], 5);
        Assert.Equal(new long[] { 1, 5 }, b.ShapeOf(x));
    }

    [Fact]
    public void NamesAreDeterministic()
    {
        var b = NewBuilder();
        var x = b.InputU8(1, 4, 4);
        Assert.Equal("input.dequantize", x);
        x = b.Conv(x, new float[2 * 9], 2, 3, 3, pads: (1, 1, 1, 1), bias: new float[2]);
        Assert.Equal("conv0", x);
        x = b.ActQuant(x);
        Assert.Equal("aq0", x);
        x = b.Conv(x, new float[2 * 2 * 9], 2, 3, 3, pads: (1, 1, 1, 1), name: "stem");
        x = b.Conv(x, new float[2 * 2 * 9], 2, 3, 3);
        Assert.Equal("conv1", x);
        var g = b.Build(x);
        Assert.Equal(new[] { "input.dequantize", "conv0", "aq0.clip", "aq0.quantize", "aq0", "stem", "conv1" }, g.Nodes.Select(n => n.Name));
        Assert.Equal(new[] { "input.scale", "input.zero_point", "conv0.weight", "conv0.bias", "aq0.min", "aq0.max", "aq0.scale",
            "aq0.zero_point", "stem.weight", "conv1.weight" }, g.Initializers.Keys);
        GraphAssert.ValueInfoEqual(new ValueInfo("input", DataType.UInt8, [1, 1, 4, 4]), g.Inputs.Single());
        Assert.Equal("conv1", g.Outputs.Single().Name);
        Assert.Equal(DataType.Float, g.Outputs.Single().ElementType);
        Assert.Equal(new long[] { 1, 2, 2, 2 }, g.Outputs.Single().Shape);
    }

    [Fact]
    public void ActivationQuantizerMatchesTheProfile()
    {
        var b = NewBuilder();
        var x = b.ActQuant(b.InputU8(1, 2, 2), 3);
        var g = b.Build(x);
        var clip = g.Nodes.Single(n => n.OpType == "Clip");
        Assert.Equal(0f, g.Initializers[clip.Inputs[1]].Floats!.Single());
        Assert.Equal(1f, g.Initializers[clip.Inputs[2]].Floats!.Single());
        var q = g.Nodes.Single(n => n.OpType == "QuantizeLinear");
        var dq = g.Nodes.Last();
        Assert.Equal("DequantizeLinear", dq.OpType);
        Assert.Equal(q.Inputs.Skip(1), dq.Inputs.Skip(1));
        Assert.Equal((float)(1.0 / 7), g.Initializers[q.Inputs[1]].Floats!.Single());
        Assert.Equal(DataType.UInt8, g.Initializers[q.Inputs[2]].Type);
        Assert.Equal(new byte[] { 0 }, g.Initializers[q.Inputs[2]].Bytes);
        Assert.Empty(g.Initializers[q.Inputs[1]].Dims);
    }

    [Fact]
    public void FloatInputIsFollowedByAnEightBitQuantizer()
    {
        var b = NewBuilder();
        var x = b.InputFloat(3, 4, 4);
        var g = b.Build(x);
        Assert.Equal(DataType.Float, g.Inputs.Single().ElementType);
        Assert.Equal(new[] { "Clip", "QuantizeLinear", "DequantizeLinear" }, g.Nodes.Select(n => n.OpType));
        Assert.Equal(8, ActivationQuantization.TryGetBits(g, g.Nodes[1]));
    }

    [Fact]
    public void OutputOfQuantizeLinearIsUint8()
    {
        var b = NewBuilder();
        b.ActQuant(b.InputU8(1, 2, 2));
        var g = b.Build("aq0.quantize");
        Assert.Equal(DataType.UInt8, g.Outputs.Single().ElementType);
    }

    [Fact]
    public void MisuseThrows()
    {
        var b = NewBuilder();
        var x = b.InputU8(2, 4, 4);
        Assert.Throws<ArgumentException>(() => b.Conv(x, new float[5], 2, 3, 3));
        Assert.Throws<ArgumentException>(() => b.Conv(x, new float[2 * 2 * 25], 2, 5, 5));
        Assert.Throws<ArgumentException>(() => b.Conv(x, new float[3 * 2 * 9], 3, 3, 3, groups: 2));
        Assert.Throws<ArgumentException>(() => b.Conv(x, [float.NaN, .. new float[2 * 2 * 9 - 1]], 2, 3, 3));
        Assert.Throws<ArgumentException>(() => b.Gemm(x, new float[4], 2));
        Assert.Throws<ArgumentException>(() => b.Relu("nope"));
        Assert.Throws<ArgumentException>(() => b.MaxPool(x, 2, 2, pads: (2, 0, 0, 0)));
        Assert.Throws<ArgumentException>(() => b.Add(x, b.MaxPool(x, 2, 2)));
        Assert.Throws<ArgumentException>(() => b.Reshape(x, [1, 7]));
        Assert.Throws<ArgumentOutOfRangeException>(() => b.ActQuant(x, 9));
        var random = new Random(1);
        Assert.Throws<ArgumentException>(() => b.BatchNorm(x, TestModels.Bn(random, 3)));
        Assert.Throws<ArgumentException>(() => b.BatchNorm(x, TestModels.Bn(random, 2),
            new Dictionary<int, BatchNormParams> { [4] = TestModels.Bn(random, 2) with { Epsilon = 1e-3f } }));
        Assert.Throws<ArgumentException>(() => b.Relu(x, name: "input"));
        Assert.Throws<InvalidOperationException>(() => b.InputU8(1, 1, 1));
        Assert.Throws<ArgumentException>(() => b.PrecomputedCodes("nope", [], 0));
        b.Build(x);
        Assert.Throws<InvalidOperationException>(() => b.Relu(x));
        Assert.Throws<InvalidOperationException>(() => b.Build(x));
    }

    [Fact]
    public void MetadataIsWritten()
    {
        var b = new TruncQuantGraphBuilder("t", WeightQuantizer.Round, [1, 8], activationBits: 2, calibratedBits: [4]);
        var g = b.Build(b.InputU8(1, 1, 1));
        var md = TruncQuantMetadata.Read(g);
        Assert.Equal(WeightQuantizer.Round, md.WeightQuantizer);
        Assert.Equal(new[] { 1, 8 }, md.WeightBits);
        Assert.Equal(2, md.ActivationBits);
        Assert.Equal(new[] { 4 }, md.CalibratedBits);
    }
}
