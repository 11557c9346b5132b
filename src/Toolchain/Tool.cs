namespace TruncEdge.Toolchain;

/// <summary>
/// A program or library TruncEdge uses, from targets/tools.json: the command that must be on
/// PATH, for a C library the specs file the compiler must find, and the Debian package that
/// installs it.
/// </summary>
public sealed record Tool(string Name, string Command, string? Specs, string Package, string Purpose)
{
    /// <summary>The command that installs the tool on Debian.</summary>
    public string InstallCommand => $"apt-get install -y --no-install-recommends {Package}";
}
