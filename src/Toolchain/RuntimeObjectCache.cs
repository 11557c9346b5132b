using System.Security.Cryptography;
using System.Text;
using TruncEdge.Model.Diagnostics;

namespace TruncEdge.Toolchain;

/// <summary>
/// The runtime's kernels (truncedge/src/*.c of an emitted folder) compiled once per distinct
/// input: every model of a verify or bench run, and every random model of the tests, carries
/// the same runtime, and compiling it was most of each build. An object is keyed by the
/// SHA-256 of the compiler, its flags, the source and every runtime header it can include
/// (truncedge/include and truncedge/src), so a changed kernel, header or flag is a new object;
/// it is written to a temporary name and renamed, so parallel builds never see half an object.
/// Objects live in <c>$TRUNCEDGE_CACHE/objects</c> (docs/toolchain.md).
/// </summary>
internal sealed class RuntimeObjectCache(string directory)
{
    public static RuntimeObjectCache Default => new(Path.Combine(IcountPlugin.CacheDirectory, "objects"));

    /// <summary>The object of <paramref name="source"/>, compiled with <paramref name="flags"/> and
    /// include paths to the folder's runtime headers only (the kernels include nothing else).</summary>
    public string Compile(string compiler, IReadOnlyList<string> flags, string folder, string source, TimeSpan timeout, StringBuilder log)
    {
        var include = Path.Combine(folder, "truncedge", "include");
        var src = Path.Combine(folder, "truncedge", "src");
        var headers = Directory.GetFiles(include, "*.h").Concat(Directory.GetFiles(src, "*.h")).Order(StringComparer.Ordinal);
        var key = new StringBuilder().Append(compiler).Append('\0').AppendJoin('\0', flags).Append('\0')
            .Append(Path.GetFileName(source)).Append('\0').Append(File.ReadAllText(source));
        foreach (var h in headers) key.Append('\0').Append(Path.GetFileName(h)).Append('\0').Append(File.ReadAllText(h));
        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key.ToString())))[..20].ToLowerInvariant();
        var obj = Path.Combine(directory, $"{Path.GetFileNameWithoutExtension(source)}-{hash}.o");
        if (File.Exists(obj)) return obj;

        Directory.CreateDirectory(directory);
        var tmp = $"{obj}.{Guid.NewGuid():N}.tmp";
        var spec = new ProcessSpec(compiler, [.. flags, "-I" + include, "-I" + src, "-c", source, "-o", tmp]) { WorkingDirectory = directory, Timeout = timeout };
        var result = ProcessRunner.Run(spec);
        log.Append(spec.CommandLine).Append("\n\n").Append(result.StandardOutput).Append(result.StandardError);
        if (result.ExitCode != 0 || result.TimedOut || !File.Exists(tmp))
        {
            if (File.Exists(tmp)) File.Delete(tmp);
            throw new DiagnosticException(ToolchainDiagnosticCodes.BuildFailed,
                $"{compiler} failed compiling {Path.GetFileName(source)}: " +
                (result.TimedOut ? $"no result within {timeout.TotalSeconds:0} s" : FirstLine(result)), folder);
        }
        File.Move(tmp, obj, overwrite: true);
        return obj;
    }

    private static string FirstLine(ProcessResult r) =>
        (r.StandardError + "\n" + r.StandardOutput).Split('\n').Select(l => l.Trim())
            .FirstOrDefault(l => l.Contains("error", StringComparison.OrdinalIgnoreCase)) ?? $"exit status {r.ExitCode}";
}
