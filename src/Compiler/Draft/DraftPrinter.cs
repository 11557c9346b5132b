using System.Globalization;
using System.Text;
using TruncEdge.Compiler.Program;

namespace TruncEdge.Compiler.Draft;

/// <summary>
/// A stable text form of a Draft (`inspect --dump-ir --after PASS` for the passes between
/// LowerGraph and LowerRequantization), laid out like ProgramPrinter's: tensors, layers (with
/// --tables, each k's float affine map), ops.
/// </summary>
public static class DraftPrinter
{
    public static string Print(DraftProgram d, bool withTables = false)
    {
        var sb = new StringBuilder();
        var ci = CultureInfo.InvariantCulture;
        sb.Append(ci, $"draft {d.Name}: input t{d.Input}, output t{d.Output}\n");
        foreach (var t in d.Tensors)
        {
            var kind = t.Kind == ElementKind.Code ? $"u{t.Bits}" : "i32";
            sb.Append(ci, $"  t{t.Id} {kind}[{t.Shape}] scale={t.Scale.ToString("R", ci)}{(t.Storage == TensorStorage.Input ? " input" : "")}  ; {t.Name}\n");
        }
        foreach (var l in d.Layers)
        {
            var order = l.SourceOrder is { } o ? $", codes in ONNX order ({(o.Conv ? "conv" : $"dense transB={(o.TransB ? 1 : 0)} nchw={(o.FromNchw ? 1 : 0)}")})" : "";
            sb.Append(ci, $"  L{l.Index} {l.OutChannels}x{l.WeightsPerChannel} codes, E={l.MeanAbs.ToString("R", ci)}, input {l.InputBits} bits{(l.Pinned ? ", pinned at 8 bits" : "")}{order}  ; {l.Name}\n");
            foreach (var step in l.Steps)
                sb.Append(ci, $"    then {(step is BatchNormStep bn ? $"BatchNorm {bn.Node.Label}" : $"+ constant of {((ConstantAddStep)step).Values.Length}")}\n");
            if (!withTables) continue;
            for (var k = 1; k <= l.A.Length; k++)
                sb.Append(ci, $"    k={k} A=[{Join(l.A[k - 1])}] B=[{Join(l.B[k - 1])}]\n");
        }
        foreach (var op in d.Ops)
            sb.Append(ci, $"  t{op.Output} = {Text(op)}  ; {op.Name}\n");
        return sb.ToString();

        string Join(double[] v) => string.Join(",", v.Select(x => x.ToString("R", ci)));
    }

    private static string Text(DraftOp op) => op switch
    {
        DraftLayerOp { Conv: { } c } l =>
            $"conv t{l.Input}, L{l.Layer}, k={c.KernelH}x{c.KernelW} s={c.StrideH}x{c.StrideW} pad={c.PadTop},{c.PadLeft} groups={c.Groups}{Res(l.Residual)}{(l.Relu ? " relu" : "")}",
        DraftLayerOp l => $"dense t{l.Input}, L{l.Layer}{Res(l.Residual)}{(l.Relu ? " relu" : "")}",
        DraftMaxPoolOp m => $"maxpool t{m.Input}, {Pool(m.Pool)}",
        DraftAvgPoolOp a => $"avgpool t{a.Input}, {Pool(a.Pool)} include_pad={(a.CountIncludePad ? 1 : 0)}",
        DraftAddOp a => $"add t{a.A} + t{a.B}",
        _ => throw new InvalidOperationException($"no text for draft op {op.GetType().Name}"),
    };

    private static string Res(int? residual) => residual is { } r ? $" + t{r}" : "";

    private static string Pool(PoolGeometry p) => $"k={p.KernelH}x{p.KernelW} s={p.StrideH}x{p.StrideW} pad={p.PadTop},{p.PadLeft}";
}
