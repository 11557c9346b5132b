using System.CommandLine;
using Spectre.Console;
using TruncEdge.Compiler;
using TruncEdge.Compiler.Reference;
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
        command.SetAction(r => context.Guard(() =>
        {
            var catalog = TargetCatalog.LoadDefault();
            var t = catalog.Get(r.GetValue(target)!);
            var compilerOptions = compile.Read(r);
            var requested = CommonOptions.ParseOptionalBits(r.GetValue(bits));
            var compiled = new ModelCompiler().CompileFile(r.GetValue(model)!, compilerOptions);
            var bitList = CommonOptions.RunBits(requested, compiled.Program, deployed => [deployed.Max()]);
            var size = compiled.Program.InputTensor.Shape.Size;
            var samples = Inputs(r.GetValue(input), r.GetValue(random), r.GetValue(seed), size);

            var work = Path.Combine(Path.GetTempPath(), "truncedge-run-" + Guid.NewGuid().ToString("N")[..12]);
            try
            {
                var folder = Path.Combine(work, "c");
                new FirmwareFolder(catalog).Write(compiled, t, folder);
                var build = new GccBuilder(catalog).Build(folder, t);
                var run = new HarnessRunner(catalog).Run(build, samples, bitList);
                var reference = new ReferenceExecutor(compiled.Program);
                var rows = new List<(int Sample, int Bits, int[] Output, bool Matches)>();
                for (var s = 0; s < samples.Count; s++)
                    for (var b = 0; b < bitList.Count; b++)
                    {
                        var expected = reference.Run(samples[s], BitWidths.All(compiled.Program, bitList[b])).Output;
                        rows.Add((s, bitList[b], run.Outputs[s][b], expected.SequenceEqual(run.Outputs[s][b])));
                    }
                if (r.GetValue(json))
                {
                    Console.Out.WriteLine(System.Text.Json.JsonSerializer.Serialize(new
                    {
                        target = t.Name, outputScale = compiled.Program.OutputTensor.Scale,
                        runs = rows.Select(x => new { sample = x.Sample, bits = x.Bits, output = x.Output, argmax = ArgMax(x.Output), matchesReference = x.Matches }),
                    }));
                }
                else
                {
                    var table = new Table().Border(TableBorder.Rounded).AddColumns("input", "weight bits", "outputs", "argmax", "= C# reference");
                    foreach (var x in rows)
                        table.AddRow(x.Sample.ToString(), x.Bits.ToString(), Markup.Escape(string.Join(" ", x.Output)), ArgMax(x.Output).ToString(), x.Matches ? "[green]yes[/]" : "[red]no[/]");
                    context.Console.Write(table);
                    context.Console.MarkupLine($"[grey]{t.Name}; real output = value x {compiled.Program.OutputTensor.Scale:G6}[/]");
                }
                return rows.All(x => x.Matches) ? ExitCodes.Ok : ExitCodes.CheckFailed;
            }
            finally
            {
                if (Directory.Exists(work)) Directory.Delete(work, recursive: true);
            }
        }));
        return command;
    }

    private static int ArgMax(int[] v) => Array.IndexOf(v, v.Max());

    private static List<byte[]> Inputs(string? file, int random, int seed, int size)
    {
        if (file is null)
        {
            if (random < 1) throw new DiagnosticException("TE0004", "give --input FILE or --random N");
            var rng = new Random(seed);
            return Enumerable.Range(0, random).Select(_ => { var b = new byte[size]; rng.NextBytes(b); return b; }).ToList();
        }
        if (!File.Exists(file)) throw new DiagnosticException("TE0005", "input file not found", file);
        var bytes = File.ReadAllBytes(file);
        if (bytes.Length == 0 || bytes.Length % size != 0)
            throw new DiagnosticException("TE0006", $"input has {bytes.Length} bytes; expected a multiple of the model's input size {size} (uint8 codes, HWC)", file);
        return bytes.Chunk(size).ToList();
    }
}
