using TruncEdge.Model.Diagnostics;
using TruncEdge.Model.Graph;

namespace TruncEdge.Compiler.Passes;

/// <summary>A weight layer's 8-bit codes in ONNX order, their E = mean |w|, and its bias (null: none).</summary>
public sealed record ResolvedWeights(byte[] Codes, double MeanAbs, double[]? Bias);

/// <summary>
/// The weight codes (quantized by the model's TruncQuant quantizer, or precomputed) and bias of
/// every Conv, Gemm and MatMul; every bad layer is reported. LayOutWeights reorders the codes
/// once LowerGraph knows the layout of each layer's input.
/// </summary>
public sealed class ResolveWeights : ICompilerPass
{
    public string Name => "ResolveWeights";

    public void Run(Compilation compilation, DiagnosticBag diagnostics)
    {
        var graph = compilation.Graph;
        var shapes = compilation.RequireShapes();
        var file = compilation.Options.SourceFile;
        var codes = new WeightCodeSource(graph, file);
        var weights = new Dictionary<Node, ResolvedWeights>(ReferenceEqualityComparer.Instance);
        foreach (var n in graph.Nodes.Where(n => n.OpType is "Conv" or "Gemm" or "MatMul"))
        {
            diagnostics.Try(() => weights[n] = Resolve(graph, n, shapes, codes, file));
        }
        compilation.Weights = weights;
    }

    private static ResolvedWeights Resolve(ModelGraph graph, Node n, IReadOnlyDictionary<string, long[]> shapes, WeightCodeSource codes, string file)
    {
        var set = codes.For(NodeConstants.Constant(graph, n, 1, "weight", file), n);
        if (n.OpType == "Conv")
        {
            var convBias = NodeConstants.Has(n, 2) ? NodeConstants.Constant(graph, n, 2, "bias", file).AsDoubles() : null;
            return new ResolvedWeights(set.Codes, set.MeanAbs, convBias);
        }
        if (n.OpType == "Gemm" && (n.GetFloat("alpha", 1) != 1 || n.GetFloat("beta", 1) != 1))
            throw new DiagnosticException("TE2110", "Gemm with alpha or beta other than 1 is not supported", file, n.Label);
        if (n.OpType == "MatMul" || !NodeConstants.Has(n, 2)) return new ResolvedWeights(set.Codes, set.MeanAbs, null);

        var outF = (int)shapes[n.Outputs[0]][1];
        var bias = NodeConstants.Constant(graph, n, 2, "bias", file).AsDoubles();
        if (bias.Length == 1) bias = Enumerable.Repeat(bias[0], outF).ToArray();
        if (bias.Length != outF) throw new DiagnosticException("TE2111", $"bias has {bias.Length} values for {outF} outputs", file, n.Label);
        return new ResolvedWeights(set.Codes, set.MeanAbs, bias);
    }
}
