namespace TruncEdge.Compiler.Program;

/// <summary>The per-channel constants of one row of a <see cref="StoredRequant"/>, as the emitted
/// model stores them: int32 biases, and null for pre-shifts that are all 0 or for a shift the
/// whole layer shares (then carried by <see cref="RequantStep.ShiftAdd"/>).</summary>
public sealed record RequantRow(int[] Bias, int[] Multiplier, int[]? PreShift, int[]? Shift, int[]? ResidualMultiplier, int[]? ResidualPreShift);

/// <summary>What one weight bit width takes from its row: te_requant_stored's factor and shifts.</summary>
public sealed record RequantStep(int Row, int Factor, int BiasShift, int ShiftAdd, int PreAdd);

/// <summary>
/// A layer's requantization tables as the emitted model stores them in flash (te_requant_stored,
/// docs/integer-semantics.md "Stored tables"): rows of per-channel constants, one shared by every
/// k when the layer's epilogues differ between k by one real factor, else one per k, and per k a
/// <see cref="RequantStep"/>. The table the layer runs at k is <see cref="Expand"/>; te_requant_expand
/// computes the same integers on the device before each call.
/// </summary>
public sealed class StoredRequant
{
    /// <summary>Flash bytes of one step: the int32 factor and three int8 shifts.</summary>
    public const int StepBytes = 4 + 3;

    public required IReadOnlyList<RequantRow> Rows { get; init; }
    /// <summary>Indexed by k - 1; null where the layer carries no table for k.</summary>
    public required IReadOnlyList<RequantStep?> Steps { get; init; }

    /// <summary>One row serves every k the layer carries (and there is more than one).</summary>
    public bool IsShared => Rows.Count == 1 && Steps.Count(s => s is not null) > 1;

    public IEnumerable<int> Bits => Enumerable.Range(1, 8).Where(k => Steps[k - 1] is not null);

    /// <summary>The table at k (null when not carried): the formula of te_requant_stored.</summary>
    public RequantTable? Expand(int k)
    {
        if (Steps[k - 1] is not { } s) return null;
        var r = Rows[s.Row];
        var c = r.Bias.Length;
        return new RequantTable
        {
            Bias = r.Bias.Select(b => (long)b << s.BiasShift).ToArray(),
            Multiplier = r.Multiplier.Select(m => IntegerMath.ScaleMultiplier(m, s.Factor)).ToArray(),
            PreShift = Enumerable.Range(0, c).Select(i => (r.PreShift?[i] ?? 0) + s.PreAdd).ToArray(),
            Shift = Enumerable.Range(0, c).Select(i => (r.Shift?[i] ?? 0) + s.ShiftAdd).ToArray(),
            ResidualMultiplier = r.ResidualMultiplier?.ToArray(),
            ResidualPreShift = r.ResidualPreShift?.ToArray(),
        };
    }

    /// <summary>
    /// Null when this form is what te_requant_expand accepts for <paramref name="channels"/>
    /// channels and expands to exactly <paramref name="tables"/> (the same k, the same integers),
    /// else what is wrong.
    /// </summary>
    public string? Mismatch(IReadOnlyList<RequantTable?> tables, int channels)
    {
        if (Rows.Any(r => r.Bias.Length != channels || r.Multiplier.Length != channels || (r.PreShift?.Length ?? channels) != channels ||
                          (r.Shift?.Length ?? channels) != channels || (r.ResidualMultiplier?.Length ?? channels) != channels ||
                          (r.ResidualPreShift?.Length ?? channels) != channels || (r.ResidualMultiplier is null) != (r.ResidualPreShift is null)))
            return $"a stored row does not have {channels} channels";
        for (var k = 1; k <= 8; k++)
        {
            var (s, t) = (Steps[k - 1], tables[k - 1]);
            if ((s is null) != (t is null)) return $"stored tables and tables differ in whether k = {k} is carried";
            if (s is null) continue;
            if (s.Row < 0 || s.Row >= Rows.Count || s.Factor is < 1 or > IntegerMath.FactorOne ||
                s.BiasShift is < 0 or > IntegerMath.MaxShift || s.ShiftAdd is < 0 or > IntegerMath.MaxShift || s.PreAdd is < 0 or > IntegerMath.MaxShift)
                return $"k = {k}: a stored step outside te_requant_stored's ranges";
            var e = Expand(k)!;
            if (!e.Bias.SequenceEqual(t!.Bias) || !e.Multiplier.SequenceEqual(t.Multiplier) || !e.PreShift.SequenceEqual(t.PreShift) ||
                !e.Shift.SequenceEqual(t.Shift) || !Same(e.ResidualMultiplier, t.ResidualMultiplier) || !Same(e.ResidualPreShift, t.ResidualPreShift))
                return $"k = {k}: the stored tables expand to other integers than the table";
        }
        return null;
    }

    private static bool Same(int[]? a, int[]? b) => a is null ? b is null : b is not null && a.SequenceEqual(b);

    /// <summary>The same tables for the k in <paramref name="bits"/> only, without rows no k uses.</summary>
    public StoredRequant Keep(IReadOnlyCollection<int> bits)
    {
        var steps = Enumerable.Range(1, 8).Select(k => bits.Contains(k) ? Steps[k - 1] : null).ToList();
        var used = steps.Where(s => s is not null).Select(s => s!.Row).Distinct().Order().ToList();
        return new StoredRequant
        {
            Rows = used.Select(i => Rows[i]).ToList(),
            Steps = steps.Select(s => s is null ? null : s with { Row = used.IndexOf(s.Row) }).ToList(),
        };
    }

    /// <summary>The arena bytes te_requant_expand fills for a layer of <paramref name="channels"/>
    /// output channels (te_requant_work_bytes): the te_requant (64 bytes on any target), int64
    /// biases, int32 multipliers, int8 pre-shifts and shifts, rounded up to 8.</summary>
    public static int WorkBytes(int channels) => checked((64 + channels * 14 + 7) / 8 * 8);

    /// <summary><see cref="WorkBytes(int)"/> of a Conv or Dense op's layer; 0 for other ops.</summary>
    public static int WorkBytes(IntegerProgram program, ProgramOp op) =>
        op is WeightOp w ? WorkBytes(program.Layers[w.Layer].OutChannels) : 0;

    /// <summary>Flash bytes: the rows' arrays and, for more than one k, the steps (the emitted code
    /// writes a single k's step as constants).</summary>
    public int Bytes => Rows.Sum(RowBytes) + (Steps.Count(s => s is not null) is var n && n > 1 ? n * StepBytes : 0);

    private static int RowBytes(RequantRow r) =>
        r.Bias.Length * 4 + r.Multiplier.Length * 4 + (r.PreShift?.Length ?? 0) + (r.Shift?.Length ?? 0) +
        (r.ResidualMultiplier?.Length ?? 0) * 4 + (r.ResidualPreShift?.Length ?? 0);

    /// <summary>
    /// One row per k holding exactly <paramref name="tables"/> (factor 2^30, no shift additions):
    /// for Programs whose tables were not built stored. Each row's biases must be int32 values times
    /// one power of two; null when one is not (the bias of k named in <paramref name="why"/>).
    /// </summary>
    public static StoredRequant? PerBits(IReadOnlyList<RequantTable?> tables, out string? why)
    {
        why = null;
        var rows = new List<RequantRow>();
        var steps = new RequantStep?[8];
        for (var k = 1; k <= 8; k++)
        {
            if (tables[k - 1] is not { } t) continue;
            if (BiasShift(t.Bias) is not { } shift)
            {
                why = $"k = {k}: a bias is not an int32 times a power of two";
                return null;
            }
            steps[k - 1] = new RequantStep(rows.Count, IntegerMath.FactorOne, shift, 0, 0);
            rows.Add(new RequantRow(t.Bias.Select(b => (int)(b >> shift)).ToArray(), t.Multiplier.ToArray(),
                t.PreShift.All(p => p == 0) ? null : t.PreShift.ToArray(), t.Shift.ToArray(),
                t.ResidualMultiplier?.ToArray(), t.ResidualPreShift?.ToArray()));
        }
        return new StoredRequant { Rows = rows, Steps = steps };
    }

    /// <summary>The smallest shift s with every bias an int32 times 2^s, or null.</summary>
    public static int? BiasShift(IReadOnlyList<long> bias)
    {
        for (var s = 0; s <= IntegerMath.MaxShift; s++)
        {
            if (bias.All(b => (b >> s) is >= int.MinValue and <= int.MaxValue))
                return bias.All(b => (b >> s) << s == b) ? s : null;
        }
        return null;
    }
}
