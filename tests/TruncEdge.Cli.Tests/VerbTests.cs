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
