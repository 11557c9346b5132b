using TruncEdge.Model.Graph;

namespace TruncEdge.Compiler.Passes;

/// <summary>Refuses every op outside the TruncQuant profile, naming it and listing what is supported.</summary>
public sealed class CheckSupportedOps : ICompilerPass
{
    public static readonly IReadOnlyList<string> Supported =
    [
        "Conv", "Gemm", "MatMul", "Add", "BatchNormalization", "Relu", "Clip", "QuantizeLinear",
        "DequantizeLinear", "MaxPool", "AveragePool", "GlobalAveragePool", "Flatten", "Reshape",
    ];

    public string Name => "CheckSupportedOps";

    public void Run(Compilation compilation, DiagnosticBag diagnostics)
    {
        var graph = compilation.Graph;
        foreach (var node in graph.Nodes.Where(n => !Supported.Contains(n.OpType, StringComparer.Ordinal)))
        {
            diagnostics.Report("TE2001", $"unsupported op '{node.OpType}'; supported ops: {string.Join(", ", Supported)}", node.Label);
        }
        if (graph.Inputs.Count != 1)
            diagnostics.Report("TE2002", $"expected exactly one graph input, found {graph.Inputs.Count}");
        if (graph.Outputs.Count != 1)
            diagnostics.Report("TE2003", $"expected exactly one graph output, found {graph.Outputs.Count}");
    }
}
