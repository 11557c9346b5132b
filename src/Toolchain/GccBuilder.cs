using System.Globalization;
using TruncEdge.Model.Diagnostics;

namespace TruncEdge.Toolchain;

/// <summary>Which program to build around the emitted model.</summary>
public enum ImageKind
{
    /// <summary>The test harness of docs/harness.md (test/te_harness.c): reads inputs, writes outputs and traces.</summary>
    Harness,

    /// <summary>The bench harness (targets/common/te_bench_main.c): the harness protocol plus the marker
    /// functions the instruction-count plugin stops at. QEMU targets only.</summary>
    Bench,

    /// <summary>The bench harness built with the kernels' path counters (TE_TEST_PATH_COUNTERS,
    /// te_internal.h): its traced run prints which kernel paths each op ran ("te-paths:" lines);
    /// the counters cost instructions, so its counts are not the bench's. QEMU targets only.</summary>
    BenchPaths,

    /// <summary>The smallest firmware that runs the model (targets/common/te_footprint_main.c): init,
    /// set the bits, invoke; no I/O. Its ELF is what flash and RAM are measured on.</summary>
    Footprint,
}

/// <summary>How to build. Sanitizers exist only on the host.</summary>
public sealed record BuildOptions
{
    public ImageKind Image { get; init; } = ImageKind.Harness;

    /// <summary>-fsanitize=address,undefined -fno-sanitize-recover=all (host only).</summary>
    public bool Sanitize { get; init; }

    /// <summary>The optimisation flag.</summary>
    public string Optimize { get; init; } = "-O2";

    /// <summary>Take the runtime's kernels from <see cref="RuntimeObjectCache"/> (compiled once per
    /// distinct source, header and flag set) instead of compiling them in every build: for the
    /// throw-away builds of verify, bench and the tests. Off for `truncedge build`, whose objects'
    /// debug information should name the folder's own sources.</summary>
    public bool CacheRuntimeObjects { get; init; }

    /// <summary>File name of the model's source without ".c" (the emitter's prefix).</summary>
    public string ModelPrefix { get; init; } = "model";

    /// <summary>How long the compiler may take.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(10);
}

/// <summary>A built program and how it was made.</summary>
public sealed record BuildResult(
    Target Target,
    BuildOptions Options,
    string EmittedDirectory,
    string OutputDirectory,
    string ExecutablePath,
    string CommandLine,
    TimeSpan Elapsed)
{
    /// <summary>The runtime's kernels as objects the image was linked from (cached builds only;
    /// empty when the sources were compiled into the link directly).</summary>
    public IReadOnlyList<string> RuntimeObjects { get; init; } = [];

    /// <summary>The linker's map file (firmware targets), or null.</summary>
    public string? MapPath => File.Exists(Path.ChangeExtension(ExecutablePath, ".map")) ? Path.ChangeExtension(ExecutablePath, ".map") : null;
}

/// <summary>
/// Builds an emitted folder (docs/harness.md layout: PREFIX.c/.h, truncedge/, test/) for one
/// target with GCC into EMITTED/build/TARGET/, with -std=c99 -Wall -Wextra -Wconversion -Werror.
/// QEMU images add the target's start-up sources and linker script and the semihosting I/O of
/// targets/common; the memory map of target.json reaches the linker script as --defsym.
/// </summary>
public sealed class GccBuilder(TargetCatalog catalog)
{
    /// <summary>Warnings are errors: the emitted C and the runtime must stay warning-free.</summary>
    public static IReadOnlyList<string> WarningFlags { get; } = ["-Wall", "-Wextra", "-Wconversion", "-Werror"];

    public BuildResult Build(string emittedDirectory, Target target, BuildOptions? options = null)
    {
        options ??= new BuildOptions();
        var dir = Path.GetFullPath(emittedDirectory);
        if (options.Sanitize && !target.IsHost)
        {
            throw new DiagnosticException(ToolchainDiagnosticCodes.BadBuildOptions,
                $"sanitizers run on the host only, not on target '{target.Name}'");
        }
        if (options.Image is ImageKind.Bench or ImageKind.BenchPaths && target.IsHost)
        {
            throw new DiagnosticException(ToolchainDiagnosticCodes.BadBuildOptions,
                "the bench image counts instructions under QEMU; choose a QEMU target, not 'host'");
        }

        var modelSource = RequireFile(dir, options.ModelPrefix + ".c");
        RequireFile(dir, options.ModelPrefix + ".h");
        RequireFile(dir, Path.Combine("truncedge", "include", "truncedge.h"));
        var runtimeSources = Directory.Exists(Path.Combine(dir, "truncedge", "src"))
            ? Directory.GetFiles(Path.Combine(dir, "truncedge", "src"), "*.c").Order(StringComparer.Ordinal).ToList()
            : [];

        var sources = new List<string> { modelSource };
        if (!options.CacheRuntimeObjects) sources.AddRange(runtimeSources);
        switch (options.Image)
        {
            case ImageKind.Harness:
                sources.Add(RequireFile(dir, Path.Combine("test", "te_harness.c")));
                RequireFile(dir, Path.Combine("test", "te_harness_io.h"));
                sources.Add(target.HarnessIo ?? RequireFile(dir, Path.Combine("test", "te_harness_io_host.c")));
                break;
            case ImageKind.Bench:
            case ImageKind.BenchPaths:
                sources.Add(Path.Combine(catalog.CommonDirectory, "te_bench_main.c"));
                break;
            case ImageKind.Footprint:
                sources.Add(Path.Combine(catalog.CommonDirectory, "te_footprint_main.c"));
                break;
        }
        sources.AddRange(target.StartupSources);

        ToolProbe.Require(catalog.ToolsFor(target).Where(t => t.Command == target.Compiler), $"building for target '{target.Name}'");

        var outDir = Path.Combine(dir, "build", target.Name);
        Directory.CreateDirectory(outDir);
        var name = options.Image switch
        {
            ImageKind.Harness => options.Sanitize ? "harness-san" : "harness",
            ImageKind.Bench => "bench",
            ImageKind.BenchPaths => "bench-paths",
            _ => "footprint",
        };
        var exe = Path.Combine(outDir, target.IsHost ? name : name + ".elf");

        var args = new List<string> { "-std=c99", options.Optimize, "-g" };
        args.AddRange(WarningFlags);
        args.AddRange(["-ffunction-sections", "-fdata-sections"]);
        args.AddRange(target.CFlags);
        if (options.Sanitize) args.AddRange(["-fsanitize=address,undefined", "-fno-sanitize-recover=all", "-fno-omit-frame-pointer"]);
        if (options.Image == ImageKind.BenchPaths) args.AddRange(["-DTE_BENCH_PATHS", "-DTE_TEST_PATH_COUNTERS"]);
        var objectLog = new System.Text.StringBuilder();
        var runtimeObjects = options.CacheRuntimeObjects
            ? runtimeSources.Select(src => RuntimeObjectCache.Default.Compile(target.Compiler, args, dir, src, options.Timeout, objectLog)).ToList()
            : [];
        args.AddRange(["-DTE_HARNESS", $"-DTE_MODEL_HEADER=\"{options.ModelPrefix}.h\""]);
        args.AddRange(["-I" + dir, "-I" + Path.Combine(dir, "truncedge", "include"), "-I" + Path.Combine(dir, "test")]);
        if (!target.IsHost) args.Add("-I" + catalog.CommonDirectory);
        if (options.Image == ImageKind.BenchPaths) args.Add("-I" + Path.Combine(dir, "truncedge", "src"));
        args.AddRange(sources);
        args.AddRange(runtimeObjects);
        args.AddRange(target.LdFlags);
        if (target.Memory is { } m)
        {
            args.Add("-T" + target.LinkerScript);
            args.Add("-Wl," + string.Join(',',
                Defsym("__te_flash_origin", m.Flash.Origin), Defsym("__te_flash_size", m.Flash.Size),
                Defsym("__te_ram_origin", m.Ram.Origin), Defsym("__te_ram_size", m.Ram.Size),
                Defsym("__te_stack_size", m.StackBytes)));
            args.Add($"-Wl,-Map={Path.ChangeExtension(exe, ".map")}");
        }
        args.Add("-Wl,--gc-sections");
        args.AddRange(["-o", exe]);

        var spec = new ProcessSpec(target.Compiler, args) { WorkingDirectory = outDir, Timeout = options.Timeout };
        if (File.Exists(exe)) File.Delete(exe);
        var result = ProcessRunner.Run(spec);
        var log = Path.Combine(outDir, name + ".log");
        File.WriteAllText(log, objectLog + spec.CommandLine + "\n\n" + result.StandardOutput + result.StandardError);
        if (result.TimedOut)
        {
            throw new DiagnosticException(ToolchainDiagnosticCodes.BuildFailed,
                $"{target.Compiler} did not finish within {options.Timeout.TotalSeconds:0} s building for '{target.Name}' (log: {log})");
        }
        if (result.ExitCode != 0 || !File.Exists(exe))
        {
            throw new DiagnosticException(ToolchainDiagnosticCodes.BuildFailed,
                $"{target.Compiler} failed building for '{target.Name}': {FirstError(result)} (full log: {log})", dir);
        }
        return new BuildResult(target, options, dir, outDir, exe, spec.CommandLine, result.Elapsed) { RuntimeObjects = runtimeObjects };
    }

    private static string Defsym(string symbol, ulong value) =>
        string.Create(CultureInfo.InvariantCulture, $"--defsym={symbol}=0x{value:x}");

    private static string FirstError(ProcessResult result)
    {
        var lines = (result.StandardError + "\n" + result.StandardOutput).Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
        return lines.FirstOrDefault(l => l.Contains("error", StringComparison.OrdinalIgnoreCase)) ?? lines.FirstOrDefault() ?? $"exit status {result.ExitCode}";
    }

    private static string RequireFile(string dir, string relative)
    {
        var path = Path.Combine(dir, relative);
        return File.Exists(path)
            ? path
            : throw new DiagnosticException(ToolchainDiagnosticCodes.NotEmittedFolder,
                $"not an emitted TruncEdge folder: {relative.Replace('\\', '/')} is missing", dir);
    }
}
