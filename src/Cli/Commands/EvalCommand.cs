using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using TruncEdge.Compiler;
using TruncEdge.Model.Diagnostics;
using TruncEdge.Model.TruncQuant;
using TruncEdge.Toolchain;
using TruncEdge.Toolchain.Evaluation;
using TruncEdge.Trainer.Quantization;

namespace TruncEdge.Cli.Commands;

/// <summary>
/// `truncedge eval MODEL --data D`: accuracy per weight bit width, computed on the integer
/// Program as deployed (the emitted C) with the trainer's fake-quant figures beside it.
/// </summary>
public sealed class EvalCommand(CommandContext context)
{
    public Command Build()
    {
        var model = CommonOptions.Model();
        var data = new Option<string>("--data", "-d") { Description = "Test set: digits, mnist, fashion, cifar10", DefaultValueFactory = _ => "digits" };
        var limit = new Option<int?>("--limit") { Description = "Use only the first N test samples" };
        var noPin = CommonOptions.NoPin();
        var json = CommonOptions.Json();
        var command = new Command("eval", "Accuracy per weight bit width 1..8: the integer Program (as deployed) and the fake-quant float model") { model, data, limit, noPin, json };
        command.SetAction(r => context.Guard(r, () =>
        {
            var path = r.GetValue(model)!;
            if (r.GetValue(limit) is int bad && bad < 1)
            {
                throw new DiagnosticException("TE6011", $"--limit {bad}: expected a number of test samples of at least 1");
            }
            var compiled = new ModelCompiler().CompileFile(path, CommonOptions.CompilerOptions(r.GetValue(noPin)));
            var report = new ModelAccuracy(TargetCatalog.LoadDefault()).Measure(compiled, r.GetValue(data)!, r.GetValue(limit));
            if (r.GetValue(json))
            {
                Console.Out.WriteLine(System.Text.Json.JsonSerializer.Serialize(new
                {
                    model = Path.GetFileName(path), data = report.Data, samples = report.Samples, quantizer = report.TrainedWith,
                    integerTrunc = report.Integer.Select(a => new { bits = a.Bits, accuracy = a.Accuracy }),
                    fakeQuant = report.FakeQuant.Rows.Select(x => new { bits = x.Precision.Bits, deployment = x.Deployment.ToString(), accuracy = x.Accuracy }),
                }));
                return ExitCodes.Ok;
            }
            Render(path, report);
            return ExitCodes.Ok;
        }));
        return command;
    }

    private void Render(string path, AccuracyReport report)
    {
        var bits = AccuracyReport.Bits;
        var trained = report.TrainedWith;
        var table = new Table().Border(TableBorder.Rounded).AddColumn("train / inference");
        foreach (var k in bits) table.AddColumn(new TableColumn($"{k}").RightAligned());
        string P(double? v) => v is { } a ? (100 * a).ToString("0.00", CultureInfo.InvariantCulture) : "";
        double? Fake(int k, WeightDeployment d) => report.FakeQuantAccuracy(k, d);
        if (report.Quantizer == WeightQuantizer.Round)
            table.AddRow(new[] { "Quant / Quant (fake-quant)" }.Concat(bits.Select(k => P(Fake(k, WeightDeployment.Quantize)))).ToArray());
        table.AddRow(new[] { $"{trained} / Trunc (fake-quant)" }.Concat(bits.Select(k => P(Fake(k, WeightDeployment.Truncate)))).ToArray());
        table.AddRow(new[] { $"[bold]{trained} / Trunc (integer Program)[/]" }.Concat(report.Integer.Select(a => $"[bold]{P(a.Accuracy)}[/]")).ToArray());
        context.Console.MarkupLine($"{Markup.Escape(Path.GetFileName(path))} on {Markup.Escape(report.Data)} ({report.Samples} test samples), top-1 % by weight bit width k");
        context.Console.Write(table);
        context.Console.MarkupLine("[grey]integer Program: the emitted C built for the host, first and last layers pinned at 8 bits unless --no-pin[/]");
    }
}
