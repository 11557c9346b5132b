using TruncEdge.Compiler.Passes;
using TruncEdge.Model.Building;
using TruncEdge.Model.Diagnostics;
using TruncEdge.Model.Graph;
using TruncEdge.Model.TruncQuant;

namespace TruncEdge.Compiler.Tests;

/// <summary>Models the compiler must refuse, each with a message naming the node and what was expected.</summary>
public class DiagnosticsTests
{
    private static float[] W(int n, double scale = 0.3) => Enumerable.Range(0, n).Select(i => (float)(Math.Sin(i * 1.7) * scale)).ToArray();

    private static TruncQuantGraphBuilder Builder() => new("bad", WeightQuantizer.TruncQuant, [1, 2, 4, 8], 4);

    private static DiagnosticException Refused(ModelGraph g) =>
        Assert.Throws<DiagnosticException>(() => new CompilerPipeline().Compile(g, new CompilerOptions { SourceFile = "bad.onnx" }));

    [Fact]
    public void UnsupportedOpNamesTheOpTheNodeAndTheSupportedList()
    {
        var b = Builder();
        var x = b.ActQuant(b.Conv(b.InputU8(1, 4, 4), W(9), 1, 3, 3, pads: (1, 1, 1, 1)));
        var g = b.Build(x);
        g.Nodes.Add(new Node("my_softmax", "Softmax", [g.Outputs[0].Name], ["p"]));
        g.Outputs[0] = g.Outputs[0] with { Name = "p" };
        var e = Refused(g);
        Assert.Equal("my_softmax", e.Diagnostic.Node);
        Assert.Contains("Softmax", e.Message, StringComparison.Ordinal);
        Assert.Contains("QuantizeLinear", e.Message, StringComparison.Ordinal);
        Assert.Contains("bad.onnx", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void InconsistentChannelsAreRefused()
    {
        var b = Builder();
        var x = b.ActQuant(b.Conv(b.InputU8(2, 4, 4), W(2 * 3 * 9), 3, 3, 3, pads: (1, 1, 1, 1)));
        var g = b.Build(x);
        // Make the weight claim 4 input channels while the input has 2.
        var conv = g.Nodes.First(n => n.OpType == "Conv");
        var w = g.Initializers[conv.Inputs[1]];
        g.Initializers[w.Name] = TensorData.FromFloats(w.Name, [3, 4, 3, 3], W(3 * 4 * 9));
        var e = Refused(g);
        Assert.Equal(conv.Name, e.Diagnostic.Node);
        Assert.Contains("input channels", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ConvOnAnUnquantizedTensorIsRefused()
    {
        var b = Builder();
        var x = b.Conv(b.InputU8(1, 4, 4), W(9), 1, 3, 3, pads: (1, 1, 1, 1));
        x = b.Conv(x, W(9), 1, 3, 3, pads: (1, 1, 1, 1), name: "second");
        var e = Refused(b.Build(x));
        Assert.Equal("second", e.Diagnostic.Node);
        Assert.Contains("not quantized", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void QuantizerWithAScaleOfNoBitWidthIsRefused()
    {
        var b = Builder();
        var x = b.ActQuant(b.Conv(b.InputU8(1, 4, 4), W(9), 1, 3, 3, pads: (1, 1, 1, 1)));
        var g = b.Build(x);
        var q = g.Nodes.First(n => n.OpType == "QuantizeLinear" && n.Name != "input.quant.quantize" && n.Inputs[0].Contains("clip", StringComparison.Ordinal));
        g.Initializers[q.Inputs[1]] = TensorData.FromFloats(q.Inputs[1], [], [0.1f]);
        var e = Refused(g);
        Assert.Contains("1/(2^b-1)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LowBitQuantizerWithoutClipIsRefused()
    {
        var b = Builder();
        var x = b.ActQuant(b.Conv(b.InputU8(1, 4, 4), W(9), 1, 3, 3, pads: (1, 1, 1, 1)), 4, clip: false);
        var e = Refused(b.Build(x));
        Assert.Contains("Clip(0,1)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AverageFeedingADenseLayerWithoutAQuantizerIsRefused()
    {
        var b = Builder();
        var x = b.ActQuant(b.Conv(b.InputU8(1, 4, 4), W(18), 2, 3, 3, pads: (1, 1, 1, 1)));
        x = b.Flatten(b.GlobalAveragePool(x));
        var e = Refused(b.Build(b.Gemm(x, W(6), 3, name: "head")));
        Assert.Contains("average pool", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AccumulatorThatCouldOverflowInt32IsRefusedWithTheNumbers()
    {
        // 90,000 inputs x 255 (largest code) x about 128 (mean |level|) > 2^31.
        var b = Builder();
        var x = b.Flatten(b.InputU8(1, 300, 300));
        var g = b.Build(b.Gemm(x, W(90_000 * 2, 1.0), 2, name: "wide"));
        var e = Refused(g);
        Assert.Equal("wide", e.Diagnostic.Node);
        Assert.Contains("exceeds int32", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BatchOtherThanOneIsRefused()
    {
        var b = Builder();
        var g = b.Build(b.ActQuant(b.Conv(b.InputU8(1, 4, 4), W(9), 1, 3, 3)));
        g.Inputs[0] = g.Inputs[0] with { Shape = [4, 1, 4, 4] };
        Assert.Contains("batch", Refused(g).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DilatedConvIsRefused()
    {
        var b = Builder();
        var g = b.Build(b.ActQuant(b.Conv(b.InputU8(1, 6, 6), W(9), 1, 3, 3)));
        var conv = g.Nodes.First(n => n.OpType == "Conv");
        var attrs = conv.Attributes.ToDictionary(kv => kv.Key, kv => kv.Value);
        attrs["dilations"] = AttributeValue.Of(2L, 2L);
        g.Nodes[g.Nodes.IndexOf(conv)] = new Node(conv.Name, conv.OpType, conv.Inputs, conv.Outputs, attrs);
        Assert.Contains("dilations", Refused(g).Message, StringComparison.Ordinal);
    }
}
