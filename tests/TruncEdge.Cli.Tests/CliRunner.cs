using TruncEdge.Toolchain;

namespace TruncEdge.Cli.Tests;

/// <summary>Runs the real `truncedge` (TruncEdge.Cli.dll next to the tests) as a separate process.</summary>
public static class CliRunner
{
    public static ProcessResult Run(params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "TruncEdge.Cli.dll");
        return ProcessRunner.Run(new ProcessSpec("dotnet", [dll, .. args])
        {
            Timeout = TimeSpan.FromMinutes(5),
            Environment = new Dictionary<string, string?> { ["NO_COLOR"] = "1", ["COLUMNS"] = "200" },
        });
    }

    /// <summary>A fresh empty folder under the system temp folder.</summary>
    public static string TempDir()
    {
        var d = Path.Combine(Path.GetTempPath(), "truncedge-cli-tests", Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(d);
        return d;
    }
}
