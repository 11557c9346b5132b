using TruncEdge.Model.Diagnostics;
using TruncEdge.Model.Graph;

namespace TruncEdge.Compiler.Passes;

/// <summary>Refuses any op outside the TruncQuant profile, naming it and listing what is supported.</summary>
public sealed class CheckSupportedOps
{
    public static readonly IReadOnlyList<string> Supported =
    [
        "Conv", "Gemm", "MatMul", "Add", "BatchNormalization", "Relu", "Clip", "QuantizeLinear",
        "DequantizeLinear", "MaxPool", "AveragePool", "GlobalAveragePool", "Flatten", "Reshape",
    ];

    public void Run(ModelGraph graph, CompilerOptions options)
    {
        foreach (var node in graph.Nodes)
        {
            if (!Supported.Contains(node.OpType, StringComparer.Ordinal))
            {
                throw new DiagnosticException("TE2001",
                    $"unsupported op '{node.OpType}'; supported ops: {string.Join(", ", Supported)}",
                    options.SourceFile, node.Label);
            }
        }
        if (graph.Inputs.Count != 1)
            throw new DiagnosticException("TE2002", $"expected exactly one graph input, found {graph.Inputs.Count}", options.SourceFile);
        if (graph.Outputs.Count != 1)
            throw new DiagnosticException("TE2003", $"expected exactly one graph output, found {graph.Outputs.Count}", options.SourceFile);
    }
}
