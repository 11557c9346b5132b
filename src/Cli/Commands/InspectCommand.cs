using System.CommandLine;
using TruncEdge.Cli.Presentation;
using TruncEdge.Compiler;
using TruncEdge.Compiler.Program;

namespace TruncEdge.Cli.Commands;

/// <summary>`truncedge inspect MODEL`: layers, shapes, MACs, parameters and the memory plan.</summary>
public sealed class InspectCommand(CommandContext context)
{
    public Command Build()
    {
        var model = CommonOptions.Model();
        var json = CommonOptions.Json();
        var compile = new CompileChoices();
        var dumpIr = new Option<bool>("--dump-ir") { Description = "Print the integer Program in its stable text form" };
        var tables = new Option<bool>("--tables") { Description = "With --dump-ir, also print every requantization table" };
        var after = new Option<string?>("--after")
        {
            Description = "Print the IR after this compiler pass (implies --dump-ir; docs/compiler.md lists the passes): the Draft before LowerRequantization, the Program from it on",
        };
        var command = new Command("inspect", "Show a model's layers, shapes, MACs, parameters and memory plan") { model, json, dumpIr, tables, after };
        compile.AddTo(command);
        command.SetAction(r => context.Guard(r, () =>
        {
            if (r.GetValue(after) is { } pass)
            {
                var stopped = new ModelCompiler().CompileFileUntil(r.GetValue(model)!, pass, compile.Read(r));
                Console.Out.Write(CompilationPrinter.Print(stopped, r.GetValue(tables)));
                return ExitCodes.Ok;
            }
            var compiled = new ModelCompiler().CompileFile(r.GetValue(model)!, compile.Read(r));
            if (r.GetValue(dumpIr))
            {
                Console.Out.Write(ProgramPrinter.Print(compiled.Program, r.GetValue(tables)));
                return ExitCodes.Ok;
            }
            if (r.GetValue(json))
            {
                Console.Out.WriteLine(ProgramReport.ToJson(compiled));
                return ExitCodes.Ok;
            }
            ProgramReport.Render(context.Console, compiled);
            return ExitCodes.Ok;
        }));
        return command;
    }
}
