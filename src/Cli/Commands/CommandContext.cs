using Spectre.Console;
using TruncEdge.Model.Diagnostics;

namespace TruncEdge.Cli.Commands;

/// <summary>Where verbs write, and the one place that turns failures into exit codes.</summary>
public sealed class CommandContext(IAnsiConsole console, TextWriter stderr)
{
    public IAnsiConsole Console { get; } = console;

    public void Error(string line) => stderr.WriteLine($"truncedge: {line}");

    /// <summary>Runs a verb body: user mistakes become one line and exit 2; anything else is a bug.</summary>
    public int Guard(Func<int> body)
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
            Error($"internal error (a bug in TruncEdge, please report it): {e}");
            return Cli.ExitCodes.InternalError;
        }
    }
}
