using System.Globalization;
using TruncEdge.Model.Diagnostics;

namespace TruncEdge.Toolchain;

/// <summary>A finished harness run: the parsed output file and the process that wrote it.</summary>
public sealed record HarnessResult(HarnessOutput Output, ProcessResult Process)
{
    /// <summary>Outputs[sample][bitsIndex]: the model's int32 outputs.</summary>
    public int[][][] Outputs => Output.Outputs;

    /// <summary>Traces[sample][bitsIndex][op]: every op's output tensor, when the run traced.</summary>
    public byte[][][][]? Traces => Output.Traces;
}

/// <summary>
/// Runs a built harness on a batch of inputs at a list of weight bit widths: natively for the
/// host, under QEMU with semihosting otherwise. Every run has a timeout that kills the process
/// tree; every exit status of docs/harness.md becomes a one-line <see cref="DiagnosticException"/>
/// (guest crash, timeout, model error, I/O error).
/// </summary>
public sealed class HarnessRunner(TargetCatalog catalog)
{
    /// <summary>Exit status the host sanitizers are told to use (ASAN/UBSAN_OPTIONS exitcode).</summary>
    public const int SanitizerExitStatus = 86;

    private const string InputName = "in.bin";
    private const string OutputName = "out.bin";

    public HarnessResult Run(BuildResult build, IReadOnlyList<byte[]> inputs, IReadOnlyList<int> bits, bool trace = false, TimeSpan? timeout = null)
    {
        if (build.Options.Image != ImageKind.Harness)
        {
            throw new DiagnosticException(ToolchainDiagnosticCodes.BadRunInput,
                $"a {build.Options.Image.ToString().ToLowerInvariant()} image is not the test harness; build ImageKind.Harness to run inputs (InstructionCounter runs bench images)");
        }
        var input = HarnessProtocol.WriteInput(inputs, bits, trace);
        return RunFile(build, input, inputs.Count, bits, trace, timeout, [], _ => { });
    }

    /// <summary>Runs with extra QEMU arguments (the plugin) and lets the caller read files of the run folder before it is removed.</summary>
    internal HarnessResult RunFile(BuildResult build, byte[] inputFile, int samples, IReadOnlyList<int> bits, bool trace,
        TimeSpan? timeout, IReadOnlyList<string> extraQemuArguments, Action<string> inspectRunDirectory)
    {
        var target = build.Target;
        var runDir = Path.Combine(build.OutputDirectory, "run-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(runDir);
        try
        {
            File.WriteAllBytes(Path.Combine(runDir, InputName), inputFile);
            var limit = timeout ?? target.Timeout;
            var spec = target.IsHost ? HostSpec(build, runDir, limit) : QemuSpec(build, runDir, limit, extraQemuArguments);
            var result = ProcessRunner.Run(spec);
            Interpret(target, result, limit);
            inspectRunDirectory(runDir);
            var outPath = Path.Combine(runDir, OutputName);
            if (!File.Exists(outPath))
            {
                throw new DiagnosticException(ToolchainDiagnosticCodes.BadHarnessOutput,
                    $"the harness on '{target.Name}' exited 0 but wrote no output file");
            }
            var output = HarnessProtocol.ReadOutput(File.ReadAllBytes(outPath), samples, bits, trace, $"{target.Name} harness output");
            return new HarnessResult(output, result);
        }
        finally
        {
            try
            {
                Directory.Delete(runDir, recursive: true);
            }
            catch (IOException)
            {
                // A file still open by a dying process; the folder is only scratch.
            }
        }
    }

    private static ProcessSpec HostSpec(BuildResult build, string runDir, TimeSpan limit)
    {
        var sanitizer = $"exitcode={SanitizerExitStatus}:print_stacktrace=1";
        return new ProcessSpec(build.ExecutablePath, [InputName, OutputName])
        {
            WorkingDirectory = runDir,
            Timeout = limit,
            Environment = new Dictionary<string, string?>
            {
                ["ASAN_OPTIONS"] = $"{sanitizer}:detect_leaks=0:abort_on_error=0",
                ["UBSAN_OPTIONS"] = sanitizer,
            },
        };
    }

    private ProcessSpec QemuSpec(BuildResult build, string runDir, TimeSpan limit, IReadOnlyList<string> extra)
    {
        var target = build.Target;
        var qemu = target.Qemu!;
        ToolProbe.Require(catalog.ToolsFor(target).Where(t => t.Command == qemu.Binary), $"running target '{target.Name}'");
        var args = new List<string> { "-M", qemu.Machine };
        args.AddRange(qemu.Arguments);
        args.AddRange(["-semihosting-config", $"enable=on,target=native,arg=harness,arg={InputName},arg={OutputName}"]);
        args.AddRange(extra);
        args.AddRange(["-kernel", build.ExecutablePath]);
        return new ProcessSpec(qemu.Binary, args) { WorkingDirectory = runDir, Timeout = limit };
    }

    /// <summary>Turns every exit status but 0 into its one-line message (docs/harness.md, docs/toolchain.md).</summary>
    internal static void Interpret(Target target, ProcessResult result, TimeSpan limit)
    {
        var where = target.IsHost ? "on the host" : $"on '{target.Name}' (QEMU {target.Qemu!.Machine})";
        var said = ConsoleLine(result);
        if (result.TimedOut)
        {
            throw new DiagnosticException(ToolchainDiagnosticCodes.Timeout, string.Create(CultureInfo.InvariantCulture,
                $"the harness {where} did not finish within {limit.TotalSeconds:0.#} s and was stopped (a hang or an infinite loop in the guest){Tail(said)}"));
        }
        var status = result.ExitCode;
        switch (status)
        {
            case 0:
                return;
            case 2:
                throw new DiagnosticException(ToolchainDiagnosticCodes.HarnessIoError,
                    $"the harness {where} rejected its input file or failed to read or write a file (status 2){Tail(said)}");
            case 3 when !target.IsHost:
                throw new DiagnosticException(ToolchainDiagnosticCodes.GuestCrashed, $"the guest crashed {where}{Tail(said)}");
            case >= 10 and < 10 + 64:
                throw new DiagnosticException(ToolchainDiagnosticCodes.ModelError,
                    $"a model call {where} returned {StatusName(-(status - 10))}{Tail(said)}");
            case SanitizerExitStatus when target.IsHost:
                throw new DiagnosticException(ToolchainDiagnosticCodes.GuestCrashed,
                    $"a sanitizer stopped the harness {where}{Tail(SanitizerLine(result) ?? said)}");
            case > 128 and < 128 + 65 when target.IsHost:
                throw new DiagnosticException(ToolchainDiagnosticCodes.GuestCrashed,
                    $"the harness crashed {where} with signal {status - 128} ({SignalName(status - 128)}){Tail(said)}");
            case not 0 when !target.IsHost && result.StandardError.Contains("Lockup", StringComparison.Ordinal):
                throw new DiagnosticException(ToolchainDiagnosticCodes.GuestCrashed,
                    $"the guest crashed {where} and locked up (a fault while entering the fault handler, usually a stack overflow below RAM){Tail(said)}");
            case 1 when !target.IsHost:
                throw new DiagnosticException(ToolchainDiagnosticCodes.RunFailed, $"QEMU failed {where}{Tail(said)}");
            default:
                throw new DiagnosticException(ToolchainDiagnosticCodes.RunFailed, $"the harness {where} exited with status {status}{Tail(said)}");
        }
    }

    private static string Tail(string? said) => string.IsNullOrEmpty(said) ? "" : ": " + said;

    /// <summary>The line that explains a failure: the start-up's "te:" line, the harness's "harness:" line,
    /// an error line, else the first line of output.</summary>
    private static string? ConsoleLine(ProcessResult r)
    {
        var lines = (r.StandardError + "\n" + r.StandardOutput).Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
        var line = lines.FirstOrDefault(l => l.StartsWith("te:", StringComparison.Ordinal))
            ?? lines.FirstOrDefault(l => l.StartsWith("harness:", StringComparison.Ordinal))
            ?? lines.FirstOrDefault(l => l.Contains("error", StringComparison.OrdinalIgnoreCase) || l.Contains("fatal", StringComparison.OrdinalIgnoreCase))
            ?? lines.FirstOrDefault();
        return line is null ? null : line.Length > 300 ? line[..300] + "..." : line;
    }

    private static string? SanitizerLine(ProcessResult r) =>
        r.StandardError.Split('\n').Select(l => l.Trim())
            .FirstOrDefault(l => l.Contains("runtime error:", StringComparison.Ordinal) || l.StartsWith("==", StringComparison.Ordinal) && l.Contains("ERROR", StringComparison.Ordinal));

    /// <summary>The names of te_status (runtime-c/include/truncedge.h).</summary>
    private static string StatusName(int status) => status switch
    {
        -1 => "TE_ERR_NULL_POINTER (-1)",
        -2 => "TE_ERR_ARENA_TOO_SMALL (-2)",
        -3 => "TE_ERR_BAD_BITS (-3)",
        -4 => "TE_ERR_BAD_LAYER (-4)",
        -5 => "TE_ERR_PINNED_LAYER (-5)",
        -6 => "TE_ERR_NOT_INITIALISED (-6)",
        -7 => "TE_ERR_ARENA_ALIGNMENT (-7)",
        -8 => "TE_ERR_BAD_PARAMS (-8)",
        -9 => "TE_ERR_BITS_NOT_DEPLOYED (-9)",
        _ => string.Create(CultureInfo.InvariantCulture, $"status {status}"),
    };

    private static string SignalName(int signal) => signal switch
    {
        4 => "SIGILL",
        6 => "SIGABRT",
        7 => "SIGBUS",
        8 => "SIGFPE",
        9 => "SIGKILL",
        11 => "SIGSEGV",
        _ => "signal",
    };
}
