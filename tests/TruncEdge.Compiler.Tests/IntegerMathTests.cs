using TruncEdge.Compiler.Passes;
using TruncEdge.Compiler.Program;

namespace TruncEdge.Compiler.Tests;

public class IntegerMathTests
{
    [Theory]
    [InlineData(5L, 1, 3L)]     // 2.5 -> 3 (ties up)
    [InlineData(-5L, 1, -2L)]   // -2.5 -> -2 (ties toward +inf)
    [InlineData(-6L, 2, -1L)]   // -1.5 -> -1
    [InlineData(-7L, 2, -2L)]   // -1.75 -> -2
    [InlineData(7L, 2, 2L)]     // 1.75 -> 2
    [InlineData(1L << 61, 62, 1L)]
    [InlineData(-(1L << 61), 62, 0L)]
    [InlineData(0L, 62, 0L)]
    public void RoundShiftRoundsToNearestTiesUp(long v, int shift, long expected) =>
        Assert.Equal(expected, IntegerMath.RoundShift(v, shift));

    [Fact]
    public void RoundShiftMatchesExactRationalRoundingOnRandomValues()
    {
        var rng = new Random(1234);
        for (var i = 0; i < 100_000; i++)
        {
            var v = rng.NextInt64(-(1L << 62), 1L << 62);
            var shift = rng.Next(1, 63);
            // floor(v / 2^s + 1/2) == floor((2v + 2^s) / 2^(s+1)), in exact arithmetic with floor division
            var num = 2 * (System.Numerics.BigInteger)v + (System.Numerics.BigInteger.One << shift);
            var den = System.Numerics.BigInteger.One << (shift + 1);
            var floor = System.Numerics.BigInteger.DivRem(num, den, out var rem);
            if (rem < 0) floor -= 1;
            Assert.Equal((long)floor, IntegerMath.RoundShift(v, shift));
        }
    }

    [Fact]
    public void SignedLevelsAreOddAndNestUnderTruncation()
    {
        for (var code = 0; code < 256; code++)
            for (var k = 1; k <= 8; k++)
            {
                var s = IntegerMath.SignedLevel((byte)code, k);
                var n = (1 << k) - 1;
                Assert.True(s % 2 != 0 && s >= -n && s <= n);
                Assert.Equal(code >> (8 - k), IntegerMath.TruncateCode((byte)code, k));
            }
    }

    [Fact]
    public void FixedPointKeepsMultipliersBelowTheLimitWithTheLargestShift()
    {
        var rng = new Random(7);
        for (var i = 0; i < 10_000; i++)
        {
            var f = Math.Exp(rng.NextDouble() * 60 - 40) * (rng.Next(2) == 0 ? -1 : 1);
            var chosen = FixedPoint.Choose(f);
            Assert.NotNull(chosen);
            var (m, s) = chosen.Value;
            Assert.True(Math.Abs(m[0]) < IntegerMath.MultiplierLimit);
            if (s < IntegerMath.MaxShift)
                Assert.True(Math.Abs(Math.Round(f * Math.ScaleB(1, s + 1), MidpointRounding.AwayFromZero)) >= IntegerMath.MultiplierLimit);
            if (Math.Abs(m[0]) > 1 << 20) Assert.True(Math.Abs(m[0] / Math.ScaleB(1, s) - f) <= Math.Abs(f) * 1e-6);
        }
        Assert.Null(FixedPoint.Choose(1e12));
    }
}
