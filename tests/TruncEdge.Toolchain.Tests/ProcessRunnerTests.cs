using System.Globalization;
using System.Text;
using TruncEdge.Model.Diagnostics;
using TruncEdge.Toolchain;

namespace TruncEdge.Toolchain.Tests;

public sealed class ProcessRunnerTests
{
    // Each script starts a grandchild and an orphan (its parent, a subshell, is gone, so no walk
    // of the process tree finds it), then tells its pid, which setsid made the id of its process
    // group; after the stop no process of that group may be left.
    private const string Sleepers = "(sleep 300 &); sleep 300 &";

    [Fact]
    public void Timeout_kills_the_process_and_its_grandchildren()
    {
        // The timeout only has to outlast the script's start; the sleeps would outlast any test.
        var r = ProcessRunner.Run(new ProcessSpec("sh", ["-c", Sleepers + " echo $$; wait"]) { Timeout = TimeSpan.FromSeconds(3) });
        Assert.True(r.TimedOut);
        Assert.Equal(-1, r.ExitCode);
        AssertGroupGone(int.Parse(r.StandardOutput.Trim(), CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Cancellation_kills_the_process_and_its_grandchildren()
    {
        var dir = Directory.CreateTempSubdirectory("te-proc-").FullName;
        try
        {
            var pidFile = Path.Combine(dir, "pid");
            using var cancel = new CancellationTokenSource();
            var run = Task.Run(() => ProcessRunner.Run(new ProcessSpec("sh", ["-c", Sleepers + " echo $$ > pid.tmp && mv pid.tmp pid; wait"])
            {
                WorkingDirectory = dir,
            }, cancel.Token));
            while (!File.Exists(pidFile) && !run.IsCompleted) Thread.Sleep(50);
            var group = int.Parse(File.ReadAllText(pidFile).Trim(), CultureInfo.InvariantCulture);
            Assert.NotEmpty(LiveMembers(group));
            cancel.Cancel();
            Assert.ThrowsAny<OperationCanceledException>(() => run.GetAwaiter().GetResult());
            AssertGroupGone(group);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    /// <summary>The kills are sent before Run returns, but the kernel finishes them in its own time.</summary>
    private static void AssertGroupGone(int group)
    {
        // Not a speed bound: a give-up for a kill that failed, so a failing test ends.
        for (var tries = 0; tries < 600 && LiveMembers(group).Count > 0; tries++) Thread.Sleep(100);
        Assert.Empty(LiveMembers(group));
    }

    /// <summary>The pids of the processes in a process group, from /proc, zombies left out (they are dead, waiting to be reaped).</summary>
    private static List<int> LiveMembers(int group)
    {
        var members = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), CultureInfo.InvariantCulture, out var pid)) continue;
            string stat;
            try
            {
                stat = File.ReadAllText(Path.Combine(dir, "stat"));
            }
            catch (IOException)
            {
                continue; // exited while we looked
            }
            // pid (comm) state ppid pgrp ...: comm may hold spaces and parentheses, so split after the last ')'.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            if (fields[0] != "Z" && int.Parse(fields[2], CultureInfo.InvariantCulture) == group) members.Add(pid);
        }
        return members;
    }

    [Fact]
    public void Captures_output_exit_code_stdin_environment_and_directory()
    {
        var dir = Directory.CreateTempSubdirectory("te-proc-").FullName;
        try
        {
            var r = ProcessRunner.Run(new ProcessSpec("sh", ["-c", "cat; echo \"$TE_X\" >&2; pwd >&2; exit 7"])
            {
                StandardInput = Encoding.UTF8.GetBytes("bytes in"),
                Environment = new Dictionary<string, string?> { ["TE_X"] = "set" },
                WorkingDirectory = dir,
                Timeout = TimeSpan.FromSeconds(30),
            });
            Assert.False(r.TimedOut);
            Assert.Equal(7, r.ExitCode);
            Assert.Equal("bytes in", r.StandardOutput);
            Assert.Equal($"set\n{dir}\n", r.StandardError);
            Assert.True(r.Elapsed > TimeSpan.Zero);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void Arguments_are_passed_verbatim()
    {
        var r = ProcessRunner.Run(new ProcessSpec("printf", ["%s|", "a b", "'q'", "$HOME", ""]));
        Assert.Equal("a b|'q'|$HOME||", r.StandardOutput);
    }

    [Fact]
    public void Output_beyond_the_cap_is_dropped()
    {
        var r = ProcessRunner.Run(new ProcessSpec("sh", ["-c", "yes | head -c 100000"]) { MaxCapturedChars = 1000 });
        Assert.Equal(0, r.ExitCode);
        Assert.StartsWith("y\ny\n", r.StandardOutput);
        Assert.EndsWith("[output truncated]\n", r.StandardOutput);
        Assert.True(r.StandardOutput.Length < 1100);
    }

    [Fact]
    public void A_missing_program_is_a_one_line_error()
    {
        var e = Assert.Throws<DiagnosticException>(() => ProcessRunner.Run(new ProcessSpec("te-no-such-program", [])));
        Assert.DoesNotContain('\n', e.Message);
        Assert.Contains("te-no-such-program", e.Message);
    }

    [Fact]
    public void A_file_that_is_not_executable_is_a_one_line_error()
    {
        var file = Path.GetTempFileName();
        try
        {
            var e = Assert.Throws<DiagnosticException>(() => ProcessRunner.Run(new ProcessSpec(file, [])));
            Assert.DoesNotContain('\n', e.Message);
            Assert.Contains(file, e.Message);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void FindOnPath_finds_sh_and_not_nonsense()
    {
        Assert.NotNull(ProcessRunner.FindOnPath("sh"));
        Assert.Null(ProcessRunner.FindOnPath("te-no-such-program"));
    }
}
