using TruncEdge.Model.Diagnostics;
using TruncEdge.Model.Graph;

namespace TruncEdge.Compiler.Passes;

/// <summary>A node's constant inputs (weights, biases, quantizer parameters), which the profile
/// requires to be initializers.</summary>
public static class NodeConstants
{
    public static TensorData Constant(ModelGraph graph, Node n, int i, string what, string file)
    {
        if (i >= n.Inputs.Count || n.Inputs[i].Length == 0) throw new DiagnosticException("TE2100", $"{what} is missing", file, n.Label);
        return graph.FindInitializer(n.Inputs[i])
            ?? throw new DiagnosticException("TE2101", $"{what} '{n.Inputs[i]}' must be an initializer", file, n.Label);
    }

    public static double Scalar(ModelGraph graph, Node n, int i, string what, string file)
    {
        var v = Constant(graph, n, i, what, file).AsDoubles();
        if (v.Length != 1)
            throw new DiagnosticException("TE2102", $"{what} must be a scalar (per-tensor quantization), got {v.Length} values", file, n.Label);
        return v[0];
    }

    public static bool Has(Node n, int i) => n.Inputs.Count > i && n.Inputs[i].Length > 0;
}
