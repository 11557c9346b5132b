using System.Globalization;
using TruncEdge.Model.Diagnostics;
using TruncEdge.Model.Graph;

namespace TruncEdge.Compiler.Passes;

/// <summary>The activation quantizers' parameters, per node: the bit width b of every
/// QuantizeLinear/DequantizeLinear (scale 1/(2^b-1), zero point uint8 0) and whether a Clip is
/// the quantizer's Clip(0,1) (true) or a Relu-like Clip(0,inf) (false).</summary>
public sealed record QuantizerTable(IReadOnlyDictionary<Node, int> Bits, IReadOnlyDictionary<Node, bool> ClipsToOne);

/// <summary>
/// Checks the parameters of every QuantizeLinear, DequantizeLinear and Clip against the profile
/// and records them in a <see cref="QuantizerTable"/>; every bad node is reported. Whether the
/// quantizers sit where the profile allows is LowerGraph's job.
/// </summary>
public sealed class RecognizeQuantizers : ICompilerPass
{
    public string Name => "RecognizeQuantizers";

    public void Run(Compilation compilation, DiagnosticBag diagnostics)
    {
        var graph = compilation.Graph;
        var file = compilation.Options.SourceFile;
        var bits = new Dictionary<Node, int>(ReferenceEqualityComparer.Instance);
        var clips = new Dictionary<Node, bool>(ReferenceEqualityComparer.Instance);
        foreach (var n in graph.Nodes)
        {
            if (n.OpType is "QuantizeLinear" or "DequantizeLinear")
                diagnostics.Try(() => bits[n] = Bits(graph, n, file));
            else if (n.OpType == "Clip")
                diagnostics.Try(() => clips[n] = ClipsToOne(graph, n, file));
        }
        compilation.Quantizers = new QuantizerTable(bits, clips);
    }

    private static int Bits(ModelGraph graph, Node n, string file)
    {
        var bits = BitsOfScale(n, NodeConstants.Scalar(graph, n, 1, "scale", file), file);
        if (!NodeConstants.Has(n, 2))
            throw new DiagnosticException("TE2104", "zero point must be given as a uint8 0 (activations are unsigned codes)", file, n.Label);
        var zp = NodeConstants.Constant(graph, n, 2, "zero point", file);
        if (zp.Type != DataType.UInt8 || zp.AsDoubles().Any(v => v != 0))
            throw new DiagnosticException("TE2105", $"zero point must be uint8 0, got {zp.Type} {string.Join(",", zp.AsDoubles())}", file, n.Label);
        return bits;
    }

    /// <summary>b with 1/(2^b-1) equal to the scale within float32 precision.</summary>
    private static int BitsOfScale(Node n, double scale, string file)
    {
        for (var b = 1; b <= 8; b++)
        {
            var expected = 1.0 / ((1 << b) - 1);
            if (Math.Abs(scale - expected) <= 1e-6 * expected) return b;
        }
        throw new DiagnosticException("TE2103",
            $"scale {scale.ToString("R", CultureInfo.InvariantCulture)} is not 1/(2^b-1) for any b in 1..8", file, n.Label);
    }

    private static bool ClipsToOne(ModelGraph graph, Node n, string file)
    {
        double lo = double.NegativeInfinity, hi = double.PositiveInfinity;
        if (NodeConstants.Has(n, 1)) lo = NodeConstants.Scalar(graph, n, 1, "min", file);
        if (NodeConstants.Has(n, 2)) hi = NodeConstants.Scalar(graph, n, 2, "max", file);
        if (n.Attributes.ContainsKey("min")) lo = n.GetFloat("min", float.NegativeInfinity);
        if (n.Attributes.ContainsKey("max")) hi = n.GetFloat("max", float.PositiveInfinity);
        if (lo != 0 || (hi != 1 && !double.IsPositiveInfinity(hi)))
        {
            throw new DiagnosticException("TE2106",
                $"only Clip(0, 1) (the activation quantizer) and Clip(0, inf) are supported, got Clip({lo}, {hi})", file, n.Label);
        }
        return hi == 1;
    }
}
