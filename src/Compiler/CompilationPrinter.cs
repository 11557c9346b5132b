using System.Globalization;
using System.Text;
using TruncEdge.Compiler.Draft;
using TruncEdge.Compiler.Program;

namespace TruncEdge.Compiler;

/// <summary>
/// The IR a <see cref="Compilation"/> stopped at, as stable text (`inspect --dump-ir --after PASS`):
/// the Program once there is one, else the Draft, else what the front-end passes found about
/// the ONNX graph (shapes, quantizer bit widths, weight codes).
/// </summary>
public static class CompilationPrinter
{
    public static string Print(Compilation c, bool withTables = false)
    {
        if (c.Program is { } program) return ProgramPrinter.Print(program, withTables);
        if (c.Draft is { } draft) return DraftPrinter.Print(draft, withTables);

        var sb = new StringBuilder();
        var ci = CultureInfo.InvariantCulture;
        sb.Append(ci, $"graph {c.Graph.Name}: {c.Graph.Nodes.Count} nodes (no Draft before LowerGraph)\n");
        foreach (var input in c.Graph.Inputs) sb.Append(ci, $"  input {input.Name}{Shape(input.Name)}\n");
        foreach (var n in c.Graph.Nodes)
        {
            var facts = new List<string>();
            if (c.Quantizers?.Bits.TryGetValue(n, out var bits) == true) facts.Add($"{bits} bits");
            if (c.Quantizers?.ClipsToOne.TryGetValue(n, out var one) == true) facts.Add(one ? "clip [0,1]" : "clip [0,inf)");
            if (c.Weights?.TryGetValue(n, out var w) == true)
                facts.Add($"{w.Codes.Length} codes, E={w.MeanAbs.ToString("R", ci)}{(w.Bias is null ? "" : $", bias of {w.Bias.Length}")}");
            var outputs = string.Join(", ", n.Outputs.Select(o => o + Shape(o)));
            sb.Append(ci, $"  {outputs} = {n.OpType}({string.Join(", ", n.Inputs)}){(facts.Count > 0 ? " " + string.Join(", ", facts) : "")}  ; {n.Label}\n");
        }
        return sb.ToString();

        string Shape(string value) => c.Shapes?.TryGetValue(value, out var s) == true ? $"[{string.Join(",", s)}]" : "";
    }
}
