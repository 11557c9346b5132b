using System.CommandLine;
using Spectre.Console;
using TruncEdge.Cli.Commands;

namespace TruncEdge.Cli.Tests;

/// <summary>
/// An exception that is not a diagnostic is a bug in TruncEdge: exit 70 and one line asking for a
/// report (a user cannot act on a stack trace), the whole exception with --verbose (a report needs
/// it). Guard is driven the way CliApp wires it: a verb's action, --verbose on the root.
/// </summary>
public class InternalErrorTests
{
    private static (int Exit, string Stderr) RunThrowingVerb(params string[] args)
    {
        var stderr = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(new StringWriter()) });
        var context = new CommandContext(console, stderr);
        var root = new RootCommand { context.Verbose };
        var verb = new Command("explode");
        verb.SetAction(r => context.Guard(r, () => Library.Fail()));
        root.Subcommands.Add(verb);
        return (root.Parse(args).Invoke(), stderr.ToString());
    }

    /// <summary>Stands for library code that fails with a plain exception, several frames down.</summary>
    private static class Library
    {
        public static int Fail() => Deeper();

        private static int Deeper() => throw new InvalidOperationException("the table has no row 7");
    }

    [Fact]
    public void AnInternalErrorIsOneLineAskingForAReportWithoutTheStackTrace()
    {
        var (exit, stderr) = RunThrowingVerb("explode");
        Assert.Equal(ExitCodes.InternalError, exit);
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(
            ["truncedge: internal error (a bug in TruncEdge, please report it): System.InvalidOperationException: the table has no row 7",
             "truncedge: run again with --verbose for the stack trace"],
            lines);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("explode", "--verbose")]
    [InlineData("--verbose", "explode")]
    public void VerbosePrintsTheWholeExceptionWithItsStackTrace(string first, string second)
    {
        var (exit, stderr) = RunThrowingVerb(first, second);
        Assert.Equal(ExitCodes.InternalError, exit);
        Assert.StartsWith("truncedge: internal error (a bug in TruncEdge, please report it): System.InvalidOperationException: the table has no row 7", stderr, StringComparison.Ordinal);
        Assert.Contains("   at ", stderr, StringComparison.Ordinal);
        Assert.Contains(nameof(Library.Fail), stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("run again with --verbose", stderr, StringComparison.Ordinal);
    }

    /// <summary>The real CLI takes --verbose on every verb, before or after it; a user mistake stays one line and exit 2.</summary>
    [Theory]
    [InlineData("--verbose", "run")]
    [InlineData("run", "--verbose")]
    public void TheCliAcceptsVerboseEverywhereAndUserMistakesStayExitTwo(string first, string second)
    {
        var r = CliRunner.Run(first, second, "/nonexistent/model.onnx", "--random", "1");
        Assert.Equal(ExitCodes.BadInput, r.ExitCode);
        Assert.Equal("truncedge: error TE1000: /nonexistent/model.onnx: file not found", r.StandardError.Trim());
    }
}
