namespace TruncEdge.Compiler.Program;

/// <summary>
/// The integer helpers that define rounding, saturation and weight levels. Mirrored name for
/// name by runtime-c/include/te_math.h; docs/integer-semantics.md states the contract and
/// tests pin both to the same edge-case vectors.
/// </summary>
public static class IntegerMath
{
    /// <summary>Shifts allowed in <see cref="RoundShift"/>.</summary>
    public const int MinShift = 1, MaxShift = 62;

    /// <summary>Multipliers stay below this in magnitude, so two products and the rounding
    /// constant always fit an int64 (see docs/integer-semantics.md).</summary>
    public const int MultiplierLimit = 1 << 30;

    /// <summary>The one rounding rule: v / 2^shift rounded to nearest, ties toward +infinity,
    /// i.e. floor((v + 2^(shift-1)) / 2^shift). C#'s &gt;&gt; on long is an arithmetic shift (floor).</summary>
    public static long RoundShift(long v, int shift) => (v + (1L << (shift - 1))) >> shift;

    /// <summary>Saturates v to [lo, hi].</summary>
    public static int Clamp(long v, int lo, int hi) => v < lo ? lo : v > hi ? hi : (int)v;

    /// <summary>The k-bit code of a stored 8-bit TruncQuant code: the top k bits.</summary>
    public static int TruncateCode(byte code8, int k) => code8 >> (8 - k);

    /// <summary>The odd signed weight level s = 2q - (2^k - 1) in [-(2^k-1), 2^k-1].</summary>
    public static int SignedLevel(byte code8, int k) => 2 * (code8 >> (8 - k)) - ((1 << k) - 1);

    /// <summary>
    /// The epilogue of Conv and Dense: clamp(RoundShift((acc + bias) * mult + residual * resMult, shift), lo, hi).
    /// </summary>
    public static int Requantize(int acc, int bias, int mult, int shift, long residual, int residualMult, ClampRange clamp) =>
        Clamp(RoundShift(((long)acc + bias) * mult + residual * residualMult, shift), clamp.Lo, clamp.Hi);
}
