using System.Globalization;
using System.Text;

namespace TruncEdge.Compiler.Program;

/// <summary>
/// A stable text form of a Program (`truncedge inspect --dump-ir`): the same Program always
/// prints the same text, so dumps can be diffed across compiler changes.
/// </summary>
public static class ProgramPrinter
{
    public static string Print(IntegerProgram p, bool withTables = false)
    {
        var sb = new StringBuilder();
        var ci = CultureInfo.InvariantCulture;
        sb.Append(ci, $"program {p.Name}: input t{p.Input}, output t{p.Output}, arena {p.ArenaSize} B (lower bound {p.ArenaLowerBound} B){(WeightBits.IsAll(p.DeployedBits) ? "" : $", deployed weight bits {WeightBits.Text(p.DeployedBits)}")}\n");
        foreach (var t in p.Tensors)
        {
            var kind = t.Kind == ElementKind.Code ? $"u{t.Bits}" : "i32";
            var where = t.Storage == TensorStorage.Input ? "input" : $"arena+{t.ArenaOffset}";
            sb.Append(ci, $"  t{t.Id} {kind}[{t.Shape}] scale={t.Scale.ToString("R", ci)} {where}  ; {t.Name}\n");
        }
        foreach (var l in p.Layers)
        {
            sb.Append(ci, $"  L{l.Index} {l.OutChannels}x{l.WeightsPerChannel} codes, E={l.MeanAbs.ToString("R", ci)}{(l.Pinned ? ", pinned at 8 bits" : "")}{(l.IsPacked ? $", stored at {l.StoreBits} bits ({l.StoredBytes} B)" : "")}  ; {l.Name}\n");
            if (!withTables) continue;
            foreach (var k in l.SupportedBits)
            {
                var t = l.TableFor(k);
                sb.Append(ci, $"    k={k} bias=[{string.Join(",", t.Bias)}] mult=[{string.Join(",", t.Multiplier)}] pre=[{string.Join(",", t.PreShift)}] shift=[{string.Join(",", t.Shift)}]");
                if (t.ResidualMultiplier is { } r) sb.Append(ci, $" rmult=[{string.Join(",", r)}] rpre=[{string.Join(",", t.ResidualPreShift!)}]");
                sb.Append('\n');
            }
        }
        foreach (var op in p.Ops)
        {
            var args = op.Accept(OpText.Instance);
            var unpacked = p.PackedWork.FirstOrDefault(u => u.Op == op.Index) is { } uc ? $" packed-work={uc.Bytes}B@arena+{uc.ArenaOffset} chunk={PackedCodes.Chunk(p, op)}" : "";
            var scratch = p.Scratch.FirstOrDefault(s => s.Op == op.Index) is { } sc ? $" scratch={sc.Bytes}B@arena+{sc.ArenaOffset}" : "";
            sb.Append(ci, $"  %{op.Index} t{op.Output} = {args}{unpacked}{scratch}  ; {op.Name}\n");
        }
        return sb.ToString();
    }

    /// <summary>Each op's line in the dump: its kind and arguments.</summary>
    private sealed class OpText : IOpVisitor<string>
    {
        public static readonly OpText Instance = new();

        public string Visit(ConvOp c) =>
            $"conv t{c.Input}, L{c.Layer}, k={c.KernelH}x{c.KernelW} s={c.StrideH}x{c.StrideW} pad={c.PadTop},{c.PadLeft} groups={c.Groups}{Res(c.Residual)} clamp=[{c.Clamp.Lo},{c.Clamp.Hi}]";

        public string Visit(DenseOp d) => $"dense t{d.Input}, L{d.Layer}{Res(d.Residual)} clamp=[{d.Clamp.Lo},{d.Clamp.Hi}]";

        public string Visit(MaxPoolOp m) => $"maxpool t{m.Input}, k={m.KernelH}x{m.KernelW} s={m.StrideH}x{m.StrideW} pad={m.PadTop},{m.PadLeft}";

        public string Visit(AvgPoolOp a) =>
            $"avgpool t{a.Input}, k={a.KernelH}x{a.KernelW} s={a.StrideH}x{a.StrideW} pad={a.PadTop},{a.PadLeft} include_pad={(a.CountIncludePad ? 1 : 0)}";

        public string Visit(AddOp a) => $"add t{a.A}*{a.MultiplierA} + t{a.B}*{a.MultiplierB} >> {a.Shift} clamp=[{a.Clamp.Lo},{a.Clamp.Hi}]";

        private static string Res(int? r) => r is { } v ? $", residual t{v}" : "";
    }
}
