using TruncEdge.Model.Diagnostics;

namespace TruncEdge.Toolchain;

/// <summary>Finds installed tools, and turns a missing one into a message that names its package.</summary>
public static class ToolProbe
{
    /// <summary>Where the tool is: the command's path, or for a C library the specs file the compiler finds; null if missing.</summary>
    public static string? Locate(Tool tool)
    {
        var command = ProcessRunner.FindOnPath(tool.Command);
        if (command is null || tool.Specs is null) return command;
        var result = ProcessRunner.Run(new ProcessSpec(command, [$"-print-file-name={tool.Specs}"]) { Timeout = TimeSpan.FromSeconds(30) });
        var path = result.StandardOutput.Trim();
        return result.ExitCode == 0 && Path.IsPathRooted(path) && File.Exists(path) ? path : null;
    }

    /// <summary>Throws TE5003 naming the first tool of <paramref name="tools"/> that is not installed.</summary>
    public static void Require(IEnumerable<Tool> tools, string forWhat)
    {
        foreach (var tool in tools)
        {
            if (Locate(tool) is null) throw Missing(tool, forWhat);
        }
    }

    /// <summary>The one-line error for a missing tool.</summary>
    public static DiagnosticException Missing(Tool tool, string forWhat)
    {
        var what = tool.Specs is null ? $"'{tool.Command}' not found on PATH" : $"'{tool.Command}' does not find {tool.Specs}";
        return new DiagnosticException(ToolchainDiagnosticCodes.ToolMissing,
            $"{what} ({tool.Purpose}, needed for {forWhat}); install it with: {tool.InstallCommand}");
    }
}
