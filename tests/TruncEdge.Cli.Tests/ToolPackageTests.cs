using System.Text.Json;
using TruncEdge.Toolchain;

namespace TruncEdge.Cli.Tests;

/// <summary>
/// `dotnet pack src/Cli` makes the .NET tool package; installed with `dotnet tool install --global`
/// on a fresh HOME, `truncedge` runs outside any checkout: doctor finds its targets, compile
/// writes the runtime sources it embeds.
/// </summary>
public class ToolPackageTests
{
    [Fact]
    public void ThePackedToolInstallsOnAFreshHomeAndFindsItsTargetsAndRuntimeWithoutACheckout()
    {
        var dir = CliRunner.TempDir();
        var (packages, home, work) = (Path.Combine(dir, "packages"), Path.Combine(dir, "home"), Path.Combine(dir, "work"));
        Directory.CreateDirectory(home);
        Directory.CreateDirectory(work);
        var env = new Dictionary<string, string?> { ["HOME"] = home, ["DOTNET_CLI_HOME"] = home, ["NO_COLOR"] = "1", ["COLUMNS"] = "200",
            ["DOTNET_NOLOGO"] = "1", ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1" };
        ProcessResult Run(string program, string cwd, params string[] args)
        {
            var r = ProcessRunner.Run(new ProcessSpec(program, args) { WorkingDirectory = cwd, Environment = env, Timeout = TimeSpan.FromMinutes(10) });
            Assert.True(r.ExitCode == 0, $"{program} {string.Join(' ', args)} exited {r.ExitCode}:\n{r.StandardOutput}\n{r.StandardError}");
            return r;
        }

        var root = RepoRoot();
        // --no-build: the tests run on the Release build scripts/test.sh made; packing must not rebuild it under them
        Run("dotnet", root, "pack", Path.Combine(root, "src", "Cli"), "-c", "Release", "--no-build", "-o", packages, "-nologo");
        Run("dotnet", work, "tool", "install", "--global", "--add-source", packages, "truncedge");
        var truncedge = Path.Combine(home, ".dotnet", "tools", "truncedge");
        Assert.True(File.Exists(truncedge), "no truncedge command in ~/.dotnet/tools");

        // doctor: the shipped targets, every one ready on this machine (scripts/test.sh installed the tools)
        var doctor = JsonDocument.Parse(Run(truncedge, work, "doctor", "--json").StandardOutput).RootElement;
        var targets = doctor.GetProperty("targets").EnumerateArray().Select(t => t.GetProperty("name").GetString()).ToList();
        Assert.Contains("cortex-m4", targets);
        Assert.Equal(9, targets.Count);
        Assert.DoesNotContain(root, doctor.GetProperty("plugin").GetProperty("path").GetString()!, StringComparison.Ordinal);

        // compile: the embedded runtime, for a cross target, with nothing of the checkout but the model
        File.Copy(Path.Combine(root, "examples", "digits-cnn", "model.onnx"), Path.Combine(work, "model.onnx"));
        Run(truncedge, work, "compile", "model.onnx", "--target", "cortex-m4", "-o", "out");
        Assert.True(File.Exists(Path.Combine(work, "out", "truncedge", "src", "te_conv2d.c")));
        Assert.True(File.Exists(Path.Combine(work, "out", "cmake", "cortex-m4.cmake")));
    }

    private static string RepoRoot([System.Runtime.CompilerServices.CallerFilePath] string thisFile = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(thisFile)!, "..", ".."));
}
