using TruncEdge.Compiler.Program;

namespace TruncEdge.Compiler.Verification;

/// <summary>The first place where an implementation left the reference.</summary>
public sealed record Mismatch(int Sample, int Bits, int? Op, string Where, int Element, long Expected, long Actual)
{
    public override string ToString() =>
        $"sample {Sample}, {Bits}-bit weights: {Where} differs first at element {Element}: expected {Expected}, got {Actual}";
}

/// <summary>
/// Compares an implementation's op outputs (as traced bytes) and final outputs with the
/// reference executor's, op by op in Program order, so the first differing layer is named.
/// </summary>
public sealed class ProgramComparer(IntegerProgram program)
{
    public Mismatch? CompareTrace(int sample, int bits, IReadOnlyList<byte[]> expected, IReadOnlyList<byte[]> actual)
    {
        if (actual.Count != expected.Count)
            return new Mismatch(sample, bits, null, $"trace ({actual.Count} ops instead of {expected.Count})", 0, expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            var op = program.Ops[i];
            var tensor = program.Tensors[op.Output];
            var e = expected[i];
            var a = actual[i];
            var where = $"op {i} ({OpKind(op)} '{op.Name}', {tensor.Shape} {(tensor.Kind == ElementKind.Code ? $"{tensor.Bits}-bit codes" : "int32")})";
            if (a.Length != e.Length) return new Mismatch(sample, bits, i, where + " size", 0, e.Length, a.Length);
            var step = tensor.ElementBytes;
            for (var j = 0; j < e.Length; j += step)
            {
                long ev = step == 1 ? e[j] : BitConverter.ToInt32(e, j);
                long av = step == 1 ? a[j] : BitConverter.ToInt32(a, j);
                if (ev != av) return new Mismatch(sample, bits, i, where, j / step, ev, av);
            }
        }
        return null;
    }

    public static Mismatch? CompareOutputs(int sample, int bits, int[] expected, int[] actual)
    {
        if (expected.Length != actual.Length) return new Mismatch(sample, bits, null, "output size", 0, expected.Length, actual.Length);
        for (var j = 0; j < expected.Length; j++)
            if (expected[j] != actual[j]) return new Mismatch(sample, bits, null, "output", j, expected[j], actual[j]);
        return null;
    }

    public static string OpKind(ProgramOp op) => op.Accept(KindName.Instance);

    private sealed class KindName : IOpVisitor<string>
    {
        public static readonly KindName Instance = new();
        public string Visit(ConvOp op) => op.Groups > 1 ? "depthwise/grouped conv" : "conv";
        public string Visit(DenseOp op) => "dense";
        public string Visit(MaxPoolOp op) => "maxpool";
        public string Visit(AvgPoolOp op) => "avgpool";
        public string Visit(AddOp op) => "add";
    }
}
