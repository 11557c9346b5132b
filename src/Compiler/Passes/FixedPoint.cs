using TruncEdge.Compiler.Program;

namespace TruncEdge.Compiler.Passes;

/// <summary>
/// Turns real factors into integer multipliers sharing one shift: the largest shift in
/// [1, 62] that keeps every |round(factor * 2^shift)| below 2^30 (docs/integer-semantics.md).
/// Scalar float64 code ending in integers, so every machine gets the same constants.
/// </summary>
public static class FixedPoint
{
    /// <summary>Returns null when even the smallest shift overflows a multiplier.</summary>
    public static (int[] Multipliers, int Shift)? Choose(params double[] factors) => Choose(factors, IntegerMath.MaxShift);

    /// <summary>As <see cref="Choose(double[])"/>, with the shift capped at <paramref name="maxShift"/>;
    /// <paramref name="roundUp"/> takes the ceiling of each (positive) multiplier instead of the
    /// nearest value, so that exact rational ties still round up (see AvgPool and Add).</summary>
    public static (int[] Multipliers, int Shift)? Choose(double[] factors, int maxShift, bool roundUp = false)
    {
        for (var shift = maxShift; shift >= IntegerMath.MinShift; shift--)
        {
            var scale = Math.ScaleB(1.0, shift);
            var ok = true;
            var m = new int[factors.Length];
            for (var i = 0; i < factors.Length && ok; i++)
            {
                var v = roundUp ? Math.Ceiling(factors[i] * scale) : Math.Round(factors[i] * scale, MidpointRounding.AwayFromZero);
                if (Math.Abs(v) >= IntegerMath.MultiplierLimit) ok = false;
                else m[i] = (int)v;
            }
            if (ok) return (m, shift);
        }
        return null;
    }

    /// <summary>round(x) ties away from zero, saturated to +-limit.</summary>
    public static int RoundSaturate(double x, int limit)
    {
        if (double.IsNaN(x)) return 0;
        var r = Math.Round(x, MidpointRounding.AwayFromZero);
        return r > limit ? limit : r < -limit ? -limit : (int)r;
    }
}
