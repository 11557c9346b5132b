using System.Collections.ObjectModel;
using System.Reflection;

namespace TruncEdge.Emitter;

/// <summary>
/// The files of the C runtime (runtime-c/), addressed by their path relative to runtime-c with
/// '/' separators: <c>include/truncedge.h</c>, <c>src/te_conv2d.c</c>, <c>harness/te_harness.c</c>.
/// <see cref="Embedded"/> is the copy built into TruncEdge.Emitter, so the tool needs no
/// checkout; <see cref="FromDirectory"/> reads a checkout (for people working on the kernels).
/// Contents are normalised to "\n" line endings, so the emitted folder does not depend on how
/// the tool's sources were checked out. Immutable.
/// </summary>
public sealed class RuntimeSources
{
    /// <summary>The public kernels, one per file (STYLE rule 8): file <c>src/NAME.c</c>, plus any
    /// <c>src/NAME_*.c</c> that holds an optimised variant of the same kernel.</summary>
    public static IReadOnlyList<string> KernelNames { get; } =
        ["te_add", "te_avgpool", "te_conv2d", "te_dense", "te_maxpool", "te_requant", "te_unpack"];
    // te_unpack: te_unpack_codes, and te_conv2d_packed / te_dense_packed in te_unpack_conv2d.c /
    // te_unpack_dense.c (weights stored below 8 bits); a folder that has it has te_conv2d and te_dense too.

    /// <summary>The headers every emitted folder needs.</summary>
    public static IReadOnlyList<string> RequiredHeaders { get; } = ["include/te_math.h", "include/truncedge.h"];

    /// <summary>The harness files every emitted folder carries in test/ (docs/harness.md).</summary>
    public static IReadOnlyList<string> RequiredHarnessFiles { get; } =
        ["harness/te_harness.c", "harness/te_harness_io.h", "harness/te_harness_io_host.c"];

    private const string ResourcePrefix = "runtime-c/";
    private static readonly Lazy<RuntimeSources> EmbeddedInstance = new(LoadEmbedded);

    private readonly SortedDictionary<string, string> _files;

    /// <summary>Builds a runtime from explicit files (paths relative to runtime-c, '/' separated).</summary>
    public RuntimeSources(IEnumerable<KeyValuePair<string, string>> files)
    {
        _files = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (path, content) in files)
        {
            var key = NormalisePath(path);
            if (!IsRuntimePath(key))
            {
                throw new ArgumentException($"'{path}' is not a runtime file (include/*.h, src/*.c|h, harness/*.c|h)", nameof(files));
            }

            _files[key] = NormaliseText(content);
        }

        Files = new ReadOnlyDictionary<string, string>(_files);
    }

    /// <summary>The runtime built into this assembly.</summary>
    public static RuntimeSources Embedded => EmbeddedInstance.Value;

    /// <summary>Reads include/*.h, src/*.c|h and harness/*.c|h from a runtime-c folder.</summary>
    public static RuntimeSources FromDirectory(string runtimeRoot)
    {
        var files = new List<KeyValuePair<string, string>>();
        foreach (var (folder, patterns) in new[] { ("include", new[] { "*.h" }), ("src", new[] { "*.c", "*.h" }), ("harness", new[] { "*.c", "*.h" }) })
        {
            var dir = Path.Combine(runtimeRoot, folder);
            if (!Directory.Exists(dir))
            {
                continue;
            }

            foreach (var pattern in patterns)
            {
                foreach (var file in Directory.EnumerateFiles(dir, pattern))
                {
                    files.Add(new(folder + "/" + Path.GetFileName(file), File.ReadAllText(file)));
                }
            }
        }

        return new RuntimeSources(files);
    }

    /// <summary>Every file, by path, in ordinal order.</summary>
    public IReadOnlyDictionary<string, string> Files { get; }

    /// <summary>include/*.h, in ordinal order.</summary>
    public IReadOnlyList<string> Headers => InFolder("include/");

    /// <summary>src/*.c and src/*.h, in ordinal order.</summary>
    public IReadOnlyList<string> Sources => InFolder("src/");

    /// <summary>harness/*.c and harness/*.h, in ordinal order.</summary>
    public IReadOnlyList<string> HarnessFiles => InFolder("harness/");

    public bool Contains(string path) => _files.ContainsKey(NormalisePath(path));

    /// <summary>The content of one file ("\n" line endings).</summary>
    public string Read(string path) =>
        _files.TryGetValue(NormalisePath(path), out var text)
            ? text
            : throw new FileNotFoundException($"runtime file '{path}' is not part of this TruncEdge build", path);

    /// <summary>
    /// The source files that implement one kernel: <c>src/NAME.c</c> and any <c>src/NAME_*.c</c>.
    /// Empty when the kernel is missing.
    /// </summary>
    public IReadOnlyList<string> SourcesFor(string kernel)
    {
        if (!KernelNames.Contains(kernel, StringComparer.Ordinal))
        {
            throw new ArgumentException($"'{kernel}' is not a runtime kernel", nameof(kernel));
        }

        return Sources.Where(p => KernelOf(p) == kernel).ToList();
    }

    /// <summary>Source files in src/ that belong to no kernel (shared helpers, private headers):
    /// every emitted folder carries them.</summary>
    public IReadOnlyList<string> SharedSources => Sources.Where(p => KernelOf(p) is null).ToList();

    /// <summary>Required files that this runtime lacks: the headers, the harness, and
    /// <c>src/NAME.c</c> for each of <paramref name="kernels"/> (all kernels when null).</summary>
    public IReadOnlyList<string> Missing(IEnumerable<string>? kernels = null)
    {
        var wanted = RequiredHeaders
            .Concat((kernels ?? KernelNames).Select(k => "src/" + k + ".c"))
            .Concat(RequiredHarnessFiles);
        return wanted.Where(p => !_files.ContainsKey(p)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>The kernel a src/ file belongs to, or null for shared files.</summary>
    internal static string? KernelOf(string path)
    {
        if (!path.StartsWith("src/", StringComparison.Ordinal) || !path.EndsWith(".c", StringComparison.Ordinal))
        {
            return null;
        }

        var stem = path["src/".Length..^".c".Length];
        // Longest name first, so that a future te_conv2d_dw would not be taken for te_conv2d.
        foreach (var kernel in KernelNames.OrderByDescending(k => k.Length).ThenBy(k => k, StringComparer.Ordinal))
        {
            if (stem == kernel || stem.StartsWith(kernel + "_", StringComparison.Ordinal))
            {
                return kernel;
            }
        }

        return null;
    }

    private List<string> InFolder(string folder) =>
        _files.Keys.Where(k => k.StartsWith(folder, StringComparison.Ordinal)).ToList();

    private static RuntimeSources LoadEmbedded()
    {
        var assembly = typeof(RuntimeSources).Assembly;
        var files = new List<KeyValuePair<string, string>>();
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)))
        {
            files.Add(new(name[ResourcePrefix.Length..], ReadResource(assembly, name)));
        }

        return new RuntimeSources(files);
    }

    internal static string ReadResource(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"embedded resource '{name}' is missing from {assembly.GetName().Name}");
        using var reader = new StreamReader(stream, System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        return reader.ReadToEnd();
    }

    private static string NormalisePath(string path) => path.Replace('\\', '/');

    internal static string NormaliseText(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n');

    private static bool IsRuntimePath(string path)
    {
        var slash = path.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0 || path.IndexOf('/', slash + 1) >= 0)
        {
            return false;
        }

        var folder = path[..slash];
        var name = path[(slash + 1)..];
        if (name.Length < 3 || name.StartsWith('.') || name.Contains("..", StringComparison.Ordinal))
        {
            return false;
        }

        var ext = Path.GetExtension(name);
        return folder switch
        {
            "include" => ext == ".h",
            "src" or "harness" => ext is ".c" or ".h",
            _ => false,
        };
    }
}
