using Spectre.Console;
using System.CommandLine;
using TruncEdge.Cli.Presentation;
using TruncEdge.Compiler;
using TruncEdge.Toolchain;
using TruncEdge.Toolchain.Workflow;

namespace TruncEdge.Cli.Commands;

/// <summary>`truncedge compile MODEL -o DIR`: a self-contained C folder for a target.</summary>
public sealed class CompileCommand(CommandContext context)
{
    public Command Build()
    {
        var model = CommonOptions.Model();
        var target = CommonOptions.Target();
        var compile = new CompileChoices();
        var output = new Option<string?>("--output", "-o") { Description = "Output folder (default: <model name>-c next to the model)" };
        var prefix = new Option<string>("--prefix") { Description = "C prefix of the model API and file names", DefaultValueFactory = _ => "model" };
        var json = CommonOptions.Json();
        var command = new Command("compile", "Compile a model to a C folder: runtime, weights, tables, CMake and Make builds") { model, target, output, prefix, json };
        compile.AddTo(command);
        command.SetAction(r => context.Guard(r, () =>
        {
            var path = r.GetValue(model)!;
            var catalog = TargetCatalog.LoadDefault();
            var t = catalog.Get(r.GetValue(target)!);
            var compiled = new ModelCompiler().CompileFile(path, compile.Read(r));
            var outDir = r.GetValue(output) ?? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, Path.GetFileNameWithoutExtension(path) + "-c");
            var folder = new FirmwareFolder(catalog).Write(compiled, t, outDir, r.GetValue(prefix)!, CommandLine(r));
            if (r.GetValue(json))
            {
                Console.Out.WriteLine(ProgramReport.ToJson(compiled));
                return ExitCodes.Ok;
            }
            ProgramReport.Render(context.Console, compiled);
            context.Console.MarkupLine($"wrote [bold]{Spectre.Console.Markup.Escape(outDir)}[/] ({folder.Files.Count} files) for target {t.Name}");
            return ExitCodes.Ok;
        }));
        return command;
    }

    internal static string CommandLine(ParseResult r) => "truncedge " + string.Join(' ', r.Tokens.Select(t => t.Value));
}
