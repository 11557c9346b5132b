using Spectre.Console;
using System.CommandLine;
using TruncEdge.Cli.Presentation;
using TruncEdge.Compiler;
using TruncEdge.Model.Diagnostics;
using TruncEdge.Toolchain;
using TruncEdge.Toolchain.Boards;
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
        var board = new Option<string?>("--board") { Description = "Write a complete CMake firmware project for this board (targets/boards: nucleo-l4r5zi, nucleo-h743zi, hifive1-revb, mps2-an386) or board file (.json, docs/boards.md); its target is the board's" };
        var sample = new Option<string?>("--sample") { Description = "With --board: the input the firmware runs on, a raw file of H*W*C uint8 codes in HWC order (default: seeded random codes)" };
        var json = CommonOptions.Json();
        var command = new Command("compile", "Compile a model to a C folder: runtime, weights, tables, CMake and Make builds; with --board, a firmware project") { model, target, output, prefix, board, sample, json };
        compile.AddTo(command);
        command.SetAction(r => context.Guard(r, () =>
        {
            var path = r.GetValue(model)!;
            var catalog = TargetCatalog.LoadDefault();
            var outDir = r.GetValue(output) ?? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, Path.GetFileNameWithoutExtension(path) + "-c");
            if (r.GetValue(board) is { } boardName)
                return WriteFirmware(catalog, r, path, boardName, r.GetValue(target)!, r.GetValue(sample), outDir, compile);
            var t = catalog.Get(r.GetValue(target)!);
            var compiled = new ModelCompiler().CompileFile(path, compile.Read(r));
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

    private int WriteFirmware(TargetCatalog catalog, ParseResult r, string path, string boardName, string targetName, string? samplePath,
        string outDir, CompileChoices compile)
    {
        var board = new BoardCatalog(catalog).Get(boardName);
        if (targetName != "host" && targetName != board.Target)
        {
            throw new DiagnosticException(ToolchainDiagnosticCodes.BoardTargetMismatch,
                $"--target {targetName} with --board {board.Name}, whose target is {board.Target}: leave --target out");
        }
        var compiled = new ModelCompiler().CompileFile(path, compile.Read(r));
        var sampleBytes = samplePath is null ? FirmwareProject.DefaultSample(compiled.Program) : ReadSample(samplePath);
        var folder = new FirmwareProject(catalog).Write(compiled, board, sampleBytes, samplePath ?? "random codes (seed 1)", outDir, CommandLine(r));
        ProgramReport.Render(context.Console, compiled);
        context.Console.MarkupLine($"wrote [bold]{Markup.Escape(outDir)}[/] ({folder.Files.Count} files): firmware for {Markup.Escape(board.Name)} ({board.Target})");
        context.Console.MarkupLine($"build: [bold]cmake -S {Markup.Escape(outDir)} -B {Markup.Escape(Path.Combine(outDir, "build"))} --toolchain {Markup.Escape(Path.Combine(outDir, FirmwareProject.ModelDirectory, "cmake", board.Target + ".cmake"))} && cmake --build {Markup.Escape(Path.Combine(outDir, "build"))}[/]");
        return ExitCodes.Ok;
    }

    private static byte[] ReadSample(string path)
    {
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DiagnosticException(ToolchainDiagnosticCodes.BadSample, $"cannot read the sample: {e.Message}", path);
        }
    }

    internal static string CommandLine(ParseResult r) => "truncedge " + string.Join(' ', r.Tokens.Select(t => t.Value));
}
