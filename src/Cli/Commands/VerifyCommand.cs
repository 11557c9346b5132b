using System.CommandLine;
using Spectre.Console;
using TruncEdge.Compiler;
using TruncEdge.Toolchain;
using TruncEdge.Toolchain.Verification;

namespace TruncEdge.Cli.Commands;

/// <summary>`truncedge verify MODEL`: the C, built for a target, against the C# reference, bit for bit.</summary>
public sealed class VerifyCommand(CommandContext context)
{
    public Command Build()
    {
        var model = CommonOptions.Model();
        var target = CommonOptions.Target();
        var bits = CommonOptions.Bits("every deployed bit width");
        var samples = new Option<int>("--samples", "-n") { Description = "Random inputs per bit width", DefaultValueFactory = _ => 100 };
        var seed = new Option<int>("--seed") { Description = "Seed of the random inputs", DefaultValueFactory = _ => 1 };
        var compile = new CompileChoices();
        var keep = new Option<string?>("--keep") { Description = "Keep the emitted folder and build in this folder" };
        var json = CommonOptions.Json();
        var command = new Command("verify", "Check that the C computes exactly what the C# reference computes, on every intermediate tensor, at every bit width")
            { model, target, bits, samples, seed, keep, json };
        compile.AddTo(command);
        command.SetAction(r => context.Guard(r, () =>
        {
            var n = r.GetValue(samples);
            if (n < 1) throw new TruncEdge.Model.Diagnostics.DiagnosticException("TE0003", "--samples must be at least 1");
            var catalog = TargetCatalog.LoadDefault();
            var t = catalog.Get(r.GetValue(target)!);
            var compilerOptions = compile.Read(r);
            var requested = CommonOptions.ParseOptionalBits(r.GetValue(bits));
            var compiled = new ModelCompiler().CompileFile(r.GetValue(model)!, compilerOptions);
            var options = new VerifyOptions
            {
                Target = t, Bits = CommonOptions.RunBits(requested, compiled.Program, deployed => deployed), Samples = n, Seed = r.GetValue(seed),
                WorkDirectory = r.GetValue(keep) is { } k ? Path.GetFullPath(k) : null,
            };
            var report = ProgressView.Run(context.Console, $"verify on {options.Target.Name}", n,
                progress => new Verifier(catalog).Verify(compiled, options, progress));

            if (r.GetValue(json))
            {
                Console.Out.WriteLine(System.Text.Json.JsonSerializer.Serialize(new
                {
                    target = report.Target, bits = report.Bits, samples = report.Samples, passed = report.Passed,
                    comparedTensors = report.ComparedTensors, comparedBytes = report.ComparedBytes,
                    mismatch = report.FirstMismatch?.ToString(), seconds = report.Elapsed.TotalSeconds,
                }));
            }
            else
            {
                var table = new Table().Border(TableBorder.Rounded).AddColumns("target", "weight bits", "inputs", "tensors compared", "bytes compared", "result");
                table.AddRow(report.Target, string.Join(",", report.Bits), report.Samples.ToString(), report.ComparedTensors.ToString("N0"),
                    report.ComparedBytes.ToString("N0"), report.Passed ? "[green]bit-exact[/]" : "[red]MISMATCH[/]");
                context.Console.Write(table);
            }
            if (report.FirstMismatch is { } m)
            {
                context.Error($"verify failed: {m}");
                return ExitCodes.CheckFailed;
            }
            return ExitCodes.Ok;
        }));
        return command;
    }
}
