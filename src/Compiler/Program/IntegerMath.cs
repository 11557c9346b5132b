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

    /// <summary>Epilogue biases stay within +-2^61 (docs/integer-semantics.md).</summary>
    public const long BiasLimit = 1L << 61;

    /// <summary>v / 2^shift rounded to nearest, ties toward +infinity, i.e.
    /// floor((v + 2^(shift-1)) / 2^shift): the rounding of an epilogue, whose v approximates a real
    /// value (docs/integer-semantics.md, "The rounding rule"). C#'s &gt;&gt; on long is an arithmetic
    /// shift (floor).</summary>
    public static long RoundShift(long v, int shift) => (v + (1L << (shift - 1))) >> shift;

    /// <summary>v / 2^shift rounded to nearest, where v approximates a rational x * 2^shift from
    /// above by at most <paramref name="slack"/> and x is a tie or more than slack units of
    /// 2^-shift away from one (AvgPool and Add of codes, whose multipliers the compiler rounds up):
    /// a remainder of at most slack above the half is an exact half of x, which goes to the even
    /// neighbour, as ONNX QuantizeLinear rounds (te_round_shift_even).</summary>
    public static long RoundShiftEven(long v, int shift, long slack)
    {
        var t = v + (1L << (shift - 1));
        var q = t >> shift;
        var aboveHalf = t & ((1L << shift) - 1);
        return aboveHalf <= slack && (q & 1) != 0 ? q - 1 : q;
    }

    /// <summary>floor(v / 2^shift) for shift in [0, 62] (an arithmetic shift).</summary>
    public static long FloorShift(long v, int shift) => v >> shift;

    /// <summary>Saturates v to [lo, hi].</summary>
    public static int Clamp(long v, int lo, int hi) => v < lo ? lo : v > hi ? hi : (int)v;

    /// <summary>The k-bit code of a stored 8-bit TruncQuant code: the top k bits.</summary>
    public static int TruncateCode(byte code8, int k) => code8 >> (8 - k);

    /// <summary>The odd signed weight level s = 2q - (2^k - 1) in [-(2^k-1), 2^k-1].</summary>
    public static int SignedLevel(byte code8, int k) => 2 * (code8 >> (8 - k)) - ((1 << k) - 1);

    /// <summary>The factor that leaves a stored multiplier as it is (<see cref="ScaleMultiplier"/>).</summary>
    public const int FactorOne = 1 << 30;

    /// <summary>A stored multiplier at one weight bit width: RoundShift(m * factor, 30), factor in
    /// 1..2^30 (te_scale_multiplier; <see cref="StoredRequant"/>).</summary>
    public static int ScaleMultiplier(int m, int factor) => (int)RoundShift((long)m * factor, 30);

    /// <summary>
    /// The epilogue of Conv and Dense:
    /// clamp(RoundShift(FloorShift(acc * mult, pre) + FloorShift(residual * resMult, resPre) + bias, shift), lo, hi).
    /// Each product keeps a full-precision multiplier at its own scale; the pre-shifts bring both to
    /// the final one (docs/integer-semantics.md).
    /// </summary>
    public static int Requantize(int acc, long bias, int mult, int preShift, int shift, long residual, int residualMult, int residualPreShift, ClampRange clamp) =>
        Clamp(RoundShift(FloorShift((long)acc * mult, preShift) + FloorShift(residual * residualMult, residualPreShift) + bias, shift), clamp.Lo, clamp.Hi);
}
