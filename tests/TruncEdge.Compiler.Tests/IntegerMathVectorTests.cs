using System.Globalization;
using TruncEdge.Compiler.Program;

namespace TruncEdge.Compiler.Tests;

/// <summary>
/// IntegerMath against the edge-case vectors of runtime-c/tests/vectors (written from exact Python
/// integers by gen_vectors.py), the same files test_te_math.c reads for te_math.h: both sides of
/// the contract are pinned to one independent definition.
/// </summary>
public class IntegerMathVectorTests
{
    private static IEnumerable<long[]> Rows(string file)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "vectors", file);
        var rows = File.ReadLines(path).Where(l => l.Length > 0 && l[0] != '#')
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(v => long.Parse(v, CultureInfo.InvariantCulture)).ToArray())
            .ToList();
        Assert.True(rows.Count > 100, $"{file} has only {rows.Count} rows");
        return rows;
    }

    [Fact]
    public void RoundShift()
    {
        foreach (var r in Rows("te_math.txt")) Assert.Equal(r[2], IntegerMath.RoundShift(r[0], (int)r[1]));
    }

    [Fact]
    public void FloorShift()
    {
        foreach (var r in Rows("te_floor_shift.txt")) Assert.Equal(r[2], IntegerMath.FloorShift(r[0], (int)r[1]));
    }

    [Fact]
    public void Clamp()
    {
        foreach (var r in Rows("te_clamp.txt")) Assert.Equal(r[3], IntegerMath.Clamp(r[0], (int)r[1], (int)r[2]));
    }

    [Fact]
    public void Requantize()
    {
        // columns: acc bias mult pre shift r rmult rpre lo hi expected
        foreach (var r in Rows("te_requantize.txt"))
        {
            Assert.Equal(r[10], IntegerMath.Requantize((int)r[0], r[1], (int)r[2], (int)r[3], (int)r[4], r[5], (int)r[6], (int)r[7],
                new ClampRange((int)r[8], (int)r[9])));
        }
    }

    [Fact]
    public void ScaleMultiplier()
    {
        foreach (var r in Rows("te_scale_multiplier.txt")) Assert.Equal(r[2], IntegerMath.ScaleMultiplier((int)r[0], (int)r[1]));
    }

    [Fact]
    public void RoundShiftEven()
    {
        // columns: v shift slack expected
        var rows = Rows("te_round_shift_even.txt").ToList();
        Assert.True(rows.Count > 2000);
        foreach (var r in rows) Assert.Equal(r[3], IntegerMath.RoundShiftEven(r[0], (int)r[1], r[2]));
    }
}
