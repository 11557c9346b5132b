using System.ComponentModel;
using System.Diagnostics;
using CliWrap;
using TruncEdge.Model.Diagnostics;

namespace TruncEdge.Toolchain;

/// <summary>What to run: a program, its arguments (never a shell string) and its surroundings.</summary>
public sealed record ProcessSpec(string FileName, IReadOnlyList<string> Arguments)
{
    /// <summary>Working directory; the current one when null.</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>Variables to set (a null value removes the variable) on top of the inherited environment.</summary>
    public IReadOnlyDictionary<string, string?>? Environment { get; init; }

    /// <summary>Bytes written to standard input, which is then closed; an empty input when null.</summary>
    public byte[]? StandardInput { get; init; }

    /// <summary>After this long the process and all its children are killed; no limit when null.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>Characters kept of each of stdout and stderr; the rest is read and dropped.</summary>
    public int MaxCapturedChars { get; init; } = 1 << 20;

    /// <summary>The command as a person would type it, for messages and logs.</summary>
    public string CommandLine => string.Join(' ', new[] { FileName }.Concat(Arguments).Select(Quote));

    private static string Quote(string s) =>
        s.Length > 0 && s.All(c => char.IsAsciiLetterOrDigit(c) || "-_./=:,+@%".Contains(c)) ? s : "'" + s.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}

/// <summary>How a process ended.</summary>
public sealed record ProcessResult(int ExitCode, string StandardOutput, string StandardError, TimeSpan Elapsed, bool TimedOut)
{
    /// <summary>The first non-empty line of stderr (else stdout), for one-line messages.</summary>
    public string FirstErrorLine =>
        (StandardError + "\n" + StandardOutput).Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0) ?? "";
}

/// <summary>
/// The one wrapper over CliWrap: everything TruncEdge runs (gcc, QEMU, harnesses) goes through
/// <see cref="Run"/>, so every run has captured output and, when asked, a timeout that kills the
/// tool with everything it started.
/// </summary>
public static class ProcessRunner
{
    public static ProcessResult Run(ProcessSpec spec, CancellationToken cancellation = default)
    {
        // Resolved here rather than by the child: under setsid a missing program would only show
        // as setsid's exit status, and users get a one-line TE5004 naming the program instead.
        var program = FindOnPath(spec.FileName) ?? throw new DiagnosticException(ToolchainDiagnosticCodes.CannotStart,
            $"cannot start '{spec.FileName}': " + (spec.FileName.Contains('/') ? "no such executable file" : "not found on PATH"));

        // CliWrap's kill on cancellation walks the child's descendants, which misses those that
        // were orphaned (QEMU's and shells' grandchildren reparented to init). setsid(1) makes
        // the tool the leader of its own process group, so one kill(2) reaches all of them.
        // .NET starts children in our group, never as group leaders, so setsid execs the tool in
        // place: its pid is the group's id and its exit status is the tool's. Without setsid
        // (not Linux) the tool runs directly and CliWrap's kill is all there is.
        var setsid = FindOnPath("setsid");
        var stdout = new CappedText(spec.MaxCapturedChars);
        var stderr = new CappedText(spec.MaxCapturedChars);
        var command = Cli.Wrap(setsid ?? program)
            .WithArguments(setsid is null ? spec.Arguments : [program, .. spec.Arguments])
            .WithWorkingDirectory(spec.WorkingDirectory ?? Directory.GetCurrentDirectory())
            .WithEnvironmentVariables(spec.Environment ?? new Dictionary<string, string?>())
            .WithStandardInputPipe(spec.StandardInput is { } input ? PipeSource.FromBytes(input) : PipeSource.Null)
            .WithStandardOutputPipe(stdout)
            .WithStandardErrorPipe(stderr)
            .WithValidation(CommandResultValidation.None);

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        if (spec.Timeout is { } t) stop.CancelAfter(t);
        var clock = Stopwatch.StartNew();
        CommandTask<CommandResult> task;
        try
        {
            task = command.ExecuteAsync(stop.Token);
        }
        catch (Win32Exception e)
        {
            throw new DiagnosticException(ToolchainDiagnosticCodes.CannotStart, $"cannot start '{spec.FileName}': {(e.InnerException ?? e).Message}");
        }

        using var group = setsid is null ? null : new ProcessGroup(task.ProcessId, stop.Token);
        try
        {
            var result = task.GetAwaiter().GetResult();
            return new ProcessResult(result.ExitCode, stdout.Text, stderr.Text, clock.Elapsed, TimedOut: false);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            cancellation.ThrowIfCancellationRequested();
            return new ProcessResult(-1, stdout.Text, stderr.Text, clock.Elapsed, TimedOut: true);
        }
        catch (TimeoutException)
        {
            // CliWrap gave up waiting for the killed process to exit.
            throw new DiagnosticException(ToolchainDiagnosticCodes.CannotStart,
                $"'{spec.FileName}' (pid {task.ProcessId}) was killed but did not exit");
        }
    }

    /// <summary>The full path of an executable found on PATH (or the path itself if it names one), else null.</summary>
    public static string? FindOnPath(string command)
    {
        if (command.Contains('/')) return IsExecutable(command) ? Path.GetFullPath(command) : null;
        var path = System.Environment.GetEnvironmentVariable("PATH") ?? "";
        return path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, command))
            .FirstOrDefault(IsExecutable);
    }

    // Like execvp, skip files without an execute bit (Windows has none to check).
    private static bool IsExecutable(string path) =>
        File.Exists(path) && (OperatingSystem.IsWindows()
            || (File.GetUnixFileMode(path) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0);
}
