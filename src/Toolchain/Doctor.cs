namespace TruncEdge.Toolchain;

/// <summary>One tool as <see cref="Doctor"/> found it.</summary>
public sealed record ToolStatus(Tool Tool, string? Path, string? Version)
{
    public bool Found => Path is not null;
    public string InstallCommand => Tool.InstallCommand;
}

/// <summary>Whether a target can be built and run here, and what it lacks.</summary>
public sealed record TargetStatus(Target Target, IReadOnlyList<Tool> Missing)
{
    public bool Ready => Missing.Count == 0;
}

/// <summary>What <see cref="Doctor.Check"/> found.</summary>
public sealed record DoctorReport(
    IReadOnlyList<ToolStatus> Tools,
    IReadOnlyList<TargetStatus> Targets,
    string PluginPath,
    bool PluginBuilt,
    string SetupCommand)
{
    /// <summary>Every tool is installed. The plugin needs only gcc: TruncEdge builds it on first use.</summary>
    public bool AllFound => Tools.All(t => t.Found);
}

/// <summary>
/// Says what is installed and what is missing: every tool of targets/tools.json (found or not,
/// its version, the command that installs it), which targets are ready, and whether the
/// instruction-count plugin is built yet (it is built on first use). Changes nothing. Works the
/// same from a checkout and from the installed .NET tool: the install command is apt's, not a
/// script of the repository.
/// </summary>
public sealed class Doctor(TargetCatalog catalog)
{
    public DoctorReport Check()
    {
        var tools = catalog.Tools.Select(Probe).ToList();
        var missing = tools.Where(t => !t.Found).Select(t => t.Tool).ToHashSet();
        var targets = catalog.Targets
            .Select(t => new TargetStatus(t, catalog.ToolsFor(t).Where(missing.Contains).ToList()))
            .ToList();
        var plugin = new IcountPlugin(catalog);
        var packages = tools.Where(t => !t.Found).Select(t => t.Tool.Package).Distinct().ToList();
        var setup = packages.Count == 0 ? "" : "apt-get install -y --no-install-recommends " + string.Join(' ', packages)
            + " (from a checkout: bash scripts/setup-toolchains.sh)";
        return new DoctorReport(tools, targets, plugin.LibraryPath, plugin.IsBuilt, setup);
    }

    private static ToolStatus Probe(Tool tool)
    {
        var path = ToolProbe.Locate(tool);
        if (path is null) return new ToolStatus(tool, null, null);
        return new ToolStatus(tool, path, tool.Specs is null ? CommandVersion(path) : PackageVersion(tool.Package));
    }

    private static string? CommandVersion(string path)
    {
        var r = ProcessRunner.Run(new ProcessSpec(path, ["--version"]) { Timeout = TimeSpan.FromSeconds(20) });
        var line = r.StandardOutput.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0);
        return r.ExitCode == 0 ? line : null;
    }

    private static string? PackageVersion(string package)
    {
        if (ProcessRunner.FindOnPath("dpkg-query") is not { } dpkg) return null;
        var r = ProcessRunner.Run(new ProcessSpec(dpkg, ["-W", "-f=${Version}", package]) { Timeout = TimeSpan.FromSeconds(20) });
        var v = r.StandardOutput.Trim();
        return r.ExitCode == 0 && v.Length > 0 ? $"{package} {v}" : null;
    }
}
