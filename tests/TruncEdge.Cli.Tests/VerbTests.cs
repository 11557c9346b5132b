using System.Text.Json;

namespace TruncEdge.Cli.Tests;

/// <summary>The verbs doing their job on a small model.</summary>
public class VerbTests
{
    [Fact]
    public void CompileWritesABuildableFolderAndInspectReportsTheSameFigures()
    {
        var dir = CliRunner.TempDir();
        var model = Models.SmallCnn(dir);
        var outDir = Path.Combine(dir, "c");
        var r = CliRunner.Run("compile", model, "-o", outDir, "--json");
        Assert.Equal(0, r.ExitCode);
        Assert.True(File.Exists(Path.Combine(outDir, "model.h")));
        Assert.True(File.Exists(Path.Combine(outDir, "truncedge", "src", "te_conv2d.c")));
        using var compiled = JsonDocument.Parse(r.StandardOutput);

        var inspect = CliRunner.Run("inspect", model, "--json");
        Assert.Equal(0, inspect.ExitCode);
        using var inspected = JsonDocument.Parse(inspect.StandardOutput);
        Assert.Equal(compiled.RootElement.GetProperty("macs").GetInt64(), inspected.RootElement.GetProperty("macs").GetInt64());
        Assert.Equal(4 * 36 * 9 + 4 * 36 * 36 + 3 * 144, inspected.RootElement.GetProperty("macs").GetInt64());

        var build = CliRunner.Run("build", outDir, "--sanitize");
        Assert.Equal(0, build.ExitCode);
    }

    [Fact]
    public void VerifyOnTheHostIsBitExactAtEveryBitWidth()
    {
        var dir = CliRunner.TempDir();
        var r = CliRunner.Run("verify", Models.SmallCnn(dir), "--target", "host", "--bits", "1-8", "--samples", "20", "--json");
        Assert.Equal(0, r.ExitCode);
        using var doc = JsonDocument.Parse(r.StandardOutput);
        Assert.True(doc.RootElement.GetProperty("passed").GetBoolean());
        Assert.Equal(20 * 8 * 4, doc.RootElement.GetProperty("comparedTensors").GetInt64()); // 3 ops + the output
    }

    [Fact]
    public void RunPrintsOutputsThatMatchTheReference()
    {
        var dir = CliRunner.TempDir();
        var r = CliRunner.Run("run", Models.SmallCnn(dir), "--random", "2", "--bits", "2,8", "--json");
        Assert.Equal(0, r.ExitCode);
        using var doc = JsonDocument.Parse(r.StandardOutput);
        var runs = doc.RootElement.GetProperty("runs").EnumerateArray().ToList();
        Assert.Equal(4, runs.Count);
        Assert.All(runs, x => Assert.True(x.GetProperty("matchesReference").GetBoolean()));
    }

    /// <summary>The committed example, copied next to the tests by the project file.</summary>
    private static string Example() => Path.Combine(AppContext.BaseDirectory, "examples", "digits-cnn", "model.onnx");

    [Fact]
    public void VerifyWithDeployBitsIsBitExactAtTheDeployedBitWidths()
    {
        // --bits defaults to the deployed set.
        var r = CliRunner.Run("verify", Example(), "--target", "host", "--deploy-bits", "8,4,2", "--samples", "20", "--json");
        Assert.True(r.ExitCode == 0, r.StandardError);
        using var doc = JsonDocument.Parse(r.StandardOutput);
        Assert.True(doc.RootElement.GetProperty("passed").GetBoolean());
        Assert.Equal([2, 4, 8], doc.RootElement.GetProperty("bits").EnumerateArray().Select(b => b.GetInt32()));
        Assert.Equal(20 * 3 * 8, doc.RootElement.GetProperty("comparedTensors").GetInt64()); // 7 ops + the output

        // Without pinned layers 8 may be left out.
        var unpinned = CliRunner.Run("verify", Example(), "--target", "host", "--no-pin", "--deploy-bits", "4,2", "--bits", "4", "--samples", "5", "--json");
        Assert.True(unpinned.ExitCode == 0, unpinned.StandardError);
    }

    [Fact]
    public void StoreBitsFourHalvesTheWeightsAndVerifiesBitExactAtKUpToFourOnCortexM4()
    {
        var full = CliRunner.Run("inspect", Example(), "--json");
        var half = CliRunner.Run("inspect", Example(), "--store-bits", "4", "--json");
        Assert.True(full.ExitCode == 0 && half.ExitCode == 0, full.StandardError + half.StandardError);
        using var f = JsonDocument.Parse(full.StandardOutput);
        using var h = JsonDocument.Parse(half.StandardOutput);
        Assert.Equal(4, h.RootElement.GetProperty("storeBits").GetInt32());
        Assert.Equal([1, 2, 3, 4], h.RootElement.GetProperty("deployedBits").EnumerateArray().Select(b => b.GetInt32()));
        foreach (var (x, y) in f.RootElement.GetProperty("ops").EnumerateArray().Zip(h.RootElement.GetProperty("ops").EnumerateArray()))
        {
            if (x.GetProperty("layer").ValueKind == JsonValueKind.Null) continue;
            var pinned = x.GetProperty("pinned").GetBoolean();
            var (bytes, codes) = (y.GetProperty("weightBytes").GetInt64(), x.GetProperty("weightBytes").GetInt64());
            // The example's layers that are not pinned have multiples of 32 codes: exactly half.
            Assert.Equal(pinned ? codes : codes / 2, bytes);
            Assert.Equal(pinned ? 8 : 4, y.GetProperty("storeBits").GetInt32());
        }

        var r = CliRunner.Run("verify", Example(), "--target", "cortex-m4", "--store-bits", "4", "--samples", "20", "--json");
        Assert.True(r.ExitCode == 0, r.StandardError);
        using var doc = JsonDocument.Parse(r.StandardOutput);
        Assert.True(doc.RootElement.GetProperty("passed").GetBoolean());
        Assert.Equal([1, 2, 3, 4], doc.RootElement.GetProperty("bits").EnumerateArray().Select(b => b.GetInt32()));
        Assert.Equal(20 * 4 * 8, doc.RootElement.GetProperty("comparedTensors").GetInt64()); // 7 ops + the output
    }

    [Fact]
    public void CompileWithDeployBitsShrinksTheTablesAndSaysWhichBitsInTheHeader()
    {
        var dir = CliRunner.TempDir();
        var all = CliRunner.Run("compile", Example(), "-o", Path.Combine(dir, "all"), "--json");
        var part = CliRunner.Run("compile", Example(), "-o", Path.Combine(dir, "part"), "--deploy-bits", "8,4,2", "--json");
        Assert.True(all.ExitCode == 0 && part.ExitCode == 0, all.StandardError + part.StandardError);
        using var a = JsonDocument.Parse(all.StandardOutput);
        using var p = JsonDocument.Parse(part.StandardOutput);
        Assert.Equal([2, 4, 8], p.RootElement.GetProperty("deployedBits").EnumerateArray().Select(b => b.GetInt32()));
        Assert.Equal(8, a.RootElement.GetProperty("deployedBits").GetArrayLength());

        // Pinned layers keep their one row; every other layer keeps 3 of its 8 rows.
        long saved = 0;
        foreach (var (x, y) in a.RootElement.GetProperty("ops").EnumerateArray().Zip(p.RootElement.GetProperty("ops").EnumerateArray()))
        {
            var (full, kept) = (x.GetProperty("tableBytes").GetInt64(), y.GetProperty("tableBytes").GetInt64());
            if (x.GetProperty("layer").ValueKind == JsonValueKind.Null || x.GetProperty("pinned").GetBoolean())
            {
                Assert.Equal(full, kept);
                continue;
            }

            Assert.Equal(full / 8 * 3, kept);
            saved += full - kept;
        }

        Assert.True(saved > 0);
        Assert.Equal(a.RootElement.GetProperty("tableBytes").GetInt64() - saved, p.RootElement.GetProperty("tableBytes").GetInt64());
        var inspect = CliRunner.Run("inspect", Example(), "--deploy-bits", "2,4,8", "--json");
        using var i = JsonDocument.Parse(inspect.StandardOutput);
        Assert.Equal(p.RootElement.GetProperty("tableBytes").GetInt64(), i.RootElement.GetProperty("tableBytes").GetInt64());

        Assert.Contains("#define MODEL_DEPLOYED_BITS_MASK 0x8Au", File.ReadAllText(Path.Combine(dir, "part", "model.h")), StringComparison.Ordinal);
        Assert.DoesNotContain("DEPLOYED_BITS_MASK", File.ReadAllText(Path.Combine(dir, "all", "model.h")), StringComparison.Ordinal);
        Assert.True(new FileInfo(Path.Combine(dir, "part", "model.c")).Length < new FileInfo(Path.Combine(dir, "all", "model.c")).Length);
        Assert.Equal(0, CliRunner.Run("build", Path.Combine(dir, "part"), "--sanitize").ExitCode);
    }

    [Fact]
    public void RunWithDeployBitsDefaultsToTheHighestDeployedBitWidth()
    {
        var dir = CliRunner.TempDir();
        var r = CliRunner.Run("run", Models.SmallCnn(dir), "--random", "1", "--no-pin", "--deploy-bits", "2,4", "--json");
        Assert.True(r.ExitCode == 0, r.StandardError);
        using var doc = JsonDocument.Parse(r.StandardOutput);
        var run = Assert.Single(doc.RootElement.GetProperty("runs").EnumerateArray());
        Assert.Equal(4, run.GetProperty("bits").GetInt32());
        Assert.True(run.GetProperty("matchesReference").GetBoolean());
    }

    [Fact]
    public void DumpIrIsStable()
    {
        var dir = CliRunner.TempDir();
        var model = Models.SmallCnn(dir);
        var a = CliRunner.Run("inspect", model, "--dump-ir", "--tables");
        var b = CliRunner.Run("inspect", model, "--dump-ir", "--tables");
        Assert.Equal(0, a.ExitCode);
        Assert.Equal(a.StandardOutput, b.StandardOutput);
        Assert.Contains("%0 ", a.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("pinned at 8 bits", a.StandardOutput, StringComparison.Ordinal);
    }
}
