using System.Security.Cryptography;
using TruncEdge.Model.Diagnostics;

namespace TruncEdge.Toolchain;

/// <summary>
/// The instruction-count QEMU plugin (targets/common/plugin/te_icount.c), built with the host gcc
/// into a cache folder on first use (or by scripts/setup-toolchains.sh, which uses the same path):
/// $TRUNCEDGE_CACHE, else $XDG_CACHE_HOME/truncedge, else ~/.cache/truncedge; the file name holds
/// a hash of the source, so an edited plugin is rebuilt.
/// </summary>
public sealed class IcountPlugin(TargetCatalog catalog)
{
    public const string CacheVariable = "TRUNCEDGE_CACHE";

    /// <summary>The flags the plugin is built with (the setup script uses the same).</summary>
    public static IReadOnlyList<string> Flags { get; } = ["-shared", "-fPIC", "-O2", "-Wall", "-Wextra", "-Werror"];

    public string SourcePath => Path.Combine(catalog.CommonDirectory, "plugin", "te_icount.c");

    public static string CacheDirectory
    {
        get
        {
            var env = Environment.GetEnvironmentVariable(CacheVariable);
            if (!string.IsNullOrEmpty(env)) return env;
            var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            if (!string.IsNullOrEmpty(xdg)) return Path.Combine(xdg, "truncedge");
            return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "truncedge");
        }
    }

    /// <summary>Where the built plugin lives: te_icount-HASH.so, HASH = first 16 hex digits of the source's SHA-256.</summary>
    public string LibraryPath
    {
        get
        {
            if (!File.Exists(SourcePath))
            {
                throw new DiagnosticException(ToolchainDiagnosticCodes.CountFailed, "the plugin source is missing", SourcePath);
            }
            var hash = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(SourcePath)))[..16];
            return Path.Combine(CacheDirectory, $"te_icount-{hash}.so");
        }
    }

    public bool IsBuilt => File.Exists(LibraryPath);

    /// <summary>The plugin's path, building it first if needed.</summary>
    public string EnsureBuilt()
    {
        var library = LibraryPath;
        if (File.Exists(library)) return library;
        ToolProbe.Require(catalog.Tools.Where(t => t.Command == "gcc" && t.Specs is null), "building the instruction-count plugin");
        Directory.CreateDirectory(CacheDirectory);
        var temp = library + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp";
        var args = Flags.Concat(["-o", temp, SourcePath]).ToList();
        var result = ProcessRunner.Run(new ProcessSpec("gcc", args) { Timeout = TimeSpan.FromMinutes(2) });
        if (result.ExitCode != 0 || !File.Exists(temp))
        {
            if (File.Exists(temp)) File.Delete(temp);
            throw new DiagnosticException(ToolchainDiagnosticCodes.CountFailed,
                $"gcc could not build the instruction-count plugin: {result.FirstErrorLine}", SourcePath);
        }
        File.Move(temp, library, overwrite: true);
        return library;
    }
}
