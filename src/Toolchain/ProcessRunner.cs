using System.ComponentModel;
using System.Diagnostics;
using System.Text;
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
/// The one wrapper over <see cref="Process"/>: everything TruncEdge runs (gcc, QEMU, harnesses)
/// goes through <see cref="Run"/>, so every run has captured output and, when asked, a timeout
/// that kills the whole process tree.
/// </summary>
public static class ProcessRunner
{
    public static ProcessResult Run(ProcessSpec spec, CancellationToken cancellation = default)
    {
        var info = new ProcessStartInfo(spec.FileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var a in spec.Arguments) info.ArgumentList.Add(a);
        if (spec.WorkingDirectory is not null) info.WorkingDirectory = spec.WorkingDirectory;
        if (spec.Environment is not null)
        {
            foreach (var (k, v) in spec.Environment)
            {
                if (v is null) info.Environment.Remove(k);
                else info.Environment[k] = v;
            }
        }

        using var process = new Process { StartInfo = info };
        var clock = Stopwatch.StartNew();
        try
        {
            process.Start();
        }
        catch (Win32Exception e)
        {
            throw new DiagnosticException(ToolchainDiagnosticCodes.CannotStart, $"cannot start '{spec.FileName}': {e.Message}");
        }

        var stdout = Drain(process.StandardOutput, spec.MaxCapturedChars);
        var stderr = Drain(process.StandardError, spec.MaxCapturedChars);
        try
        {
            if (spec.StandardInput is { Length: > 0 } input) process.StandardInput.BaseStream.Write(input);
            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // The child exited without reading its input; its exit status tells the story.
        }

        var timedOut = false;
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation))
        {
            if (spec.Timeout is { } t) timeout.CancelAfter(t);
            try
            {
                process.WaitForExitAsync(timeout.Token).GetAwaiter().GetResult();
            }
            catch (OperationCanceledException)
            {
                timedOut = !cancellation.IsCancellationRequested;
                KillTree(process);
                process.WaitForExit();
            }
        }
        // Output pipes close once every process holding them is gone.
        var outText = stdout.GetAwaiter().GetResult();
        var errText = stderr.GetAwaiter().GetResult();
        clock.Stop();
        cancellation.ThrowIfCancellationRequested();
        return new ProcessResult(timedOut ? -1 : process.ExitCode, outText, errText, clock.Elapsed, timedOut);
    }

    /// <summary>The full path of an executable found on PATH (or the path itself if it names a file), else null.</summary>
    public static string? FindOnPath(string command)
    {
        if (command.Contains('/')) return File.Exists(command) ? Path.GetFullPath(command) : null;
        var path = System.Environment.GetEnvironmentVariable("PATH") ?? "";
        foreach (var dir in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, command);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    private static void KillTree(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
    }

    private static async Task<string> Drain(StreamReader reader, int maxChars)
    {
        var kept = new StringBuilder();
        var buffer = new char[8192];
        var dropped = false;
        int n;
        while ((n = await reader.ReadAsync(buffer.AsMemory()).ConfigureAwait(false)) > 0)
        {
            var room = maxChars - kept.Length;
            if (room > 0) kept.Append(buffer, 0, Math.Min(room, n));
            if (n > room) dropped = true;
        }
        if (dropped) kept.Append("\n[output truncated]\n");
        return kept.ToString();
    }
}
