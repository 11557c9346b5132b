using System.CommandLine;
using Spectre.Console;
using TruncEdge.Model.Diagnostics;

namespace TruncEdge.Cli.Commands;

/// <summary>Where verbs write, and the one place that turns failures into exit codes.</summary>
public sealed class CommandContext(IAnsiConsole console, TextWriter stderr)
{
    public const string InternalErrorText = "internal error (a bug in TruncEdge, please report it)";

    public IAnsiConsole Console { get; } = console;

    /// <summary>--verbose, on the root and (recursive) every verb: an internal error prints its stack trace.</summary>
    public Option<bool> Verbose { get; } = new("--verbose")
    {
        Description = "On an internal error, print the whole exception with its stack trace (for the bug report)",
        Recursive = true,
    };

    public void Error(string line) => stderr.WriteLine($"truncedge: {line}");

    /// <summary>Runs a verb body: user mistakes (a <see cref="DiagnosticException"/>) become one line
    /// and exit 2; anything else is a bug in TruncEdge: exit 70 with one line asking for a report,
    /// the stack trace only with --verbose (a user cannot act on it; a report needs it).</summary>
    public int Guard(ParseResult parse, Func<int> body)
    {
        try
        {
            return body();
        }
        catch (DiagnosticException e)
        {
            foreach (var d in e.Diagnostics) Error(d.ToString());
            return Cli.ExitCodes.BadInput;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            if (parse.GetValue(Verbose))
            {
                Error($"{InternalErrorText}: {e}");
            }
            else
            {
                Error($"{InternalErrorText}: {e.GetType().FullName}: {OneLine(e.Message)}");
                Error("run again with --verbose for the stack trace");
            }
            return Cli.ExitCodes.InternalError;
        }
    }

    private static string OneLine(string text) => string.Join(' ', text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
