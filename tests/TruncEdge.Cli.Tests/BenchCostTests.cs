using System.Text.Json;

namespace TruncEdge.Cli.Tests;

/// <summary>
/// Issue 7's rule on a model with enough MACs per pixel for the packed kernels: no target, op or
/// whole inference costs more instructions at weight bit width k than at k + 1, measured with
/// `truncedge bench` (exact QEMU counts). The full matrix on the MLPerf-shaped models is
/// bench/kernel-matrix.sh. The tolerance (0.1 % and 64 instructions) is for the epilogue's
/// data-dependent clamps, which differ between bit widths even where the kernel is the same.
/// </summary>
public class BenchCostTests
{
    [Theory]
    [InlineData("cortex-m4")]
    [InlineData("cortex-m3")]
    [InlineData("cortex-m0plus")]
    [InlineData("riscv32")]
    public void NoBitWidthCostsMoreThanTheNextHigherOne(string target)
    {
        var dir = CliRunner.TempDir();
        var model = Models.SmallCnn(dir, channels: 16, size: 8);
        var r = CliRunner.Run("bench", model, "--target", target, "--bits", "1-8", "--json");
        Assert.True(r.ExitCode == 0, r.StandardError + r.StandardOutput);
        using var doc = JsonDocument.Parse(r.StandardOutput);
        var costs = doc.RootElement.GetProperty("Costs").EnumerateArray()
            .ToDictionary(c => c.GetProperty("Bits").GetInt32(), c => c);
        Assert.Equal(8, costs.Count);
        for (var k = 1; k < 8; k++)
        {
            var (low, high) = (costs[k], costs[k + 1]);
            NotMore(low.GetProperty("Total").GetUInt64(), high.GetProperty("Total").GetUInt64(), $"{target}: the inference at k={k}");
            var ops = low.GetProperty("Ops").EnumerateArray().Zip(high.GetProperty("Ops").EnumerateArray());
            foreach (var (a, b) in ops.Where(o => o.First.GetProperty("Macs").GetInt64() > 0))
            {
                // bench names the kernel paths every op with MACs ran (the bench-paths image)
                Assert.True(a.GetProperty("Paths").GetArrayLength() > 0, $"{target}: op {a.GetProperty("Op").GetInt32()} at k={k} reports no kernel path");
                NotMore(a.GetProperty("Instructions").GetUInt64(), b.GetProperty("Instructions").GetUInt64(),
                    $"{target}: op {a.GetProperty("Op").GetInt32()} ({a.GetProperty("Name").GetString()}) at k={k}");
            }
        }
    }

    private static void NotMore(ulong atK, ulong atKPlus1, string what) =>
        Assert.True(atK <= atKPlus1 + atKPlus1 / 1000 + 64, $"{what} costs {atK} instructions, more than {atKPlus1} at k+1");
}
