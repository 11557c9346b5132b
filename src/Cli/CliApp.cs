using System.CommandLine;
using Spectre.Console;
using TruncEdge.Cli.Commands;

namespace TruncEdge.Cli;

/// <summary>
/// Wires the verbs together. Exit codes: 0 success, 1 a check failed (verify mismatch), 2 bad
/// input or usage (one line on stderr), 70 an internal error (a bug in TruncEdge).
/// </summary>
public sealed class CliApp
{
    public int Run(string[] args)
    {
        var console = new CommandContext(CreateConsole(), Console.Error);
        var root = new RootCommand("TruncEdge: TruncQuant models to bit-exact integer C for microcontrollers, with the weight precision chosen at run time.");
        root.Options.Add(console.Verbose);
        foreach (var verb in Verbs(console)) root.Subcommands.Add(verb);

        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            console.Error($"error: {parse.Errors[0].Message} (see 'truncedge {string.Join(' ', args.Take(1))} --help')");
            return ExitCodes.BadInput;
        }
        return parse.Invoke();
    }

    /// <summary>Colours and live progress on a terminal; plain, wide text in logs and pipes.</summary>
    private static IAnsiConsole CreateConsole()
    {
        if (!Console.IsOutputRedirected) return AnsiConsole.Console;
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors, Interactive = InteractionSupport.No,
        });
        console.Profile.Width = 140;
        return console;
    }

    private static IEnumerable<Command> Verbs(CommandContext c) =>
    [
        new TrainCommand(c).Build(),
        new EvalCommand(c).Build(),
        new CompileCommand(c).Build(),
        new BuildCommand(c).Build(),
        new RunCommand(c).Build(),
        new VerifyCommand(c).Build(),
        new InspectCommand(c).Build(),
        new BenchCommand(c).Build(),
        new DoctorCommand(c).Build(),
    ];
}

public static class ExitCodes
{
    public const int Ok = 0, CheckFailed = 1, BadInput = 2, InternalError = 70;
}
