using System.Diagnostics;
using System.Text;
using TruncEdge.Model.Diagnostics;
using TruncEdge.Toolchain;

namespace TruncEdge.Toolchain.Tests;

public sealed class ProcessRunnerTests
{
    [Fact]
    public void Timeout_kills_a_sleeping_process()
    {
        var clock = Stopwatch.StartNew();
        var r = ProcessRunner.Run(new ProcessSpec("sleep", ["30"]) { Timeout = TimeSpan.FromMilliseconds(300) });
        Assert.True(r.TimedOut);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
    }

    [Fact]
    public void Timeout_kills_the_whole_process_tree()
    {
        // The grandchildren hold stdout open: the run only returns once they are gone too.
        var clock = Stopwatch.StartNew();
        var r = ProcessRunner.Run(new ProcessSpec("sh", ["-c", "sleep 30 & sleep 30 & wait"]) { Timeout = TimeSpan.FromMilliseconds(300) });
        Assert.True(r.TimedOut);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
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
    public void FindOnPath_finds_sh_and_not_nonsense()
    {
        Assert.NotNull(ProcessRunner.FindOnPath("sh"));
        Assert.Null(ProcessRunner.FindOnPath("te-no-such-program"));
    }
}
