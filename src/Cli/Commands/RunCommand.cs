using System.CommandLine;
using Spectre.Console;
using TruncEdge.Compiler;
using TruncEdge.Model.Diagnostics;
using TruncEdge.Toolchain;
using TruncEdge.Toolchain.Workflow;

namespace TruncEdge.Cli.Commands;

/// <summary>`truncedge run MODEL`: builds the model for a target, runs inputs at chosen bit widths, prints the outputs.</summary>
public sealed class RunCommand(CommandContext context)
{
    public Command Build()
    {
        var model = CommonOptions.Model();
        var target = CommonOptions.Target();
        var bits = CommonOptions.Bits("8, or the highest deployed bit width");
        var input = new Option<string?>("--input", "-i") { Description = "Raw input file: one or more samples of H*W*C uint8 codes in HWC order" };
        var random = new Option<int>("--random") { Description = "Run this many random inputs instead of --input", DefaultValueFactory = _ => 0 };
        var seed = new Option<int>("--seed") { Description = "Seed for --random", DefaultValueFactory = _ => 1 };
        var compile = new CompileChoices();
        var json = CommonOptions.Json();
        var command = new Command("run", "Run a model on the host or under QEMU at chosen weight bit widths and print its outputs")
            { model, target, bits, input, random, seed, json };
        compile.AddTo(command);
        command.SetAction(r => context.Guard(r, () =>
        {
            var catalog = TargetCatalog.LoadDefault();
            var t = catalog.Get(r.GetValue(target)!);
            var compilerOptions = compile.Read(r);
            var requested = CommonOptions.ParseOptionalBits(r.GetValue(bits));
            var compiled = new ModelCompiler().CompileFile(r.GetValue(model)!, compilerOptions);
            var bitList = CommonOptions.RunBits(requested, compiled.Program, deployed => [deployed.Max()]);
            var size = compiled.Program.InputTensor.Shape.Size;
            var samples = Inputs(r.GetValue(input), r.GetValue(random), r.GetValue(seed), size);

            using var build = new Workbench(catalog).Build(compiled, t);
            var rows = build.RunChecked(samples, bitList);
            if (r.GetValue(json))
            {
                Console.Out.WriteLine(System.Text.Json.JsonSerializer.Serialize(new
                {
                    target = t.Name, outputScale = compiled.Program.OutputTensor.Scale,
                    runs = rows.Select(x => new { sample = x.Sample, bits = x.Bits, output = x.Output, argmax = ArgMax(x.Output), matchesReference = x.MatchesReference }),
                }));
            }
            else
            {
                var table = new Table().Border(TableBorder.Rounded).AddColumns("input", "weight bits", "outputs", "argmax", "= C# reference");
                foreach (var x in rows)
                    table.AddRow(x.Sample.ToString(), x.Bits.ToString(), Markup.Escape(string.Join(" ", x.Output)), ArgMax(x.Output).ToString(), x.MatchesReference ? "[green]yes[/]" : "[red]no[/]");
                context.Console.Write(table);
                context.Console.MarkupLine($"[grey]{t.Name}; real output = value x {compiled.Program.OutputTensor.Scale:G6}[/]");
            }
            return rows.All(x => x.MatchesReference) ? ExitCodes.Ok : ExitCodes.CheckFailed;
        }));
        return command;
    }

    private static int ArgMax(int[] v) => Array.IndexOf(v, v.Max());

    private static List<byte[]> Inputs(string? file, int random, int seed, int size)
    {
        if (file is null)
        {
            if (random < 1) throw new DiagnosticException("TE0004", "give --input FILE or --random N");
            return RandomInputs.Draw(new Random(seed), random, size);
        }
        if (!File.Exists(file)) throw new DiagnosticException("TE0005", "input file not found", file);
        var bytes = File.ReadAllBytes(file);
        if (bytes.Length == 0 || bytes.Length % size != 0)
            throw new DiagnosticException("TE0006", $"input has {bytes.Length} bytes; expected a multiple of the model's input size {size} (uint8 codes, HWC)", file);
        return bytes.Chunk(size).ToList();
    }
}
