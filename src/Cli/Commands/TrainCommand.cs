using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using TruncEdge.Model.Diagnostics;
using TruncEdge.Model.TruncQuant;
using TruncEdge.Trainer.Export;
using TruncEdge.Trainer.Quantization;
using TruncEdge.Trainer.Training;
using TruncEdge.Trainer.Zoo;

namespace TruncEdge.Cli.Commands;

/// <summary>`truncedge train`: TruncQuant (or round-baseline) training in C#, written as model.onnx.</summary>
public sealed class TrainCommand(CommandContext context)
{
    public Command Build()
    {
        var model = new Option<string>("--model", "-m") { Description = $"Architecture: {string.Join(", ", ModelZoo.Architectures)}", DefaultValueFactory = _ => "cnn" };
        var data = new Option<string>("--data", "-d") { Description = "Data set: digits, mnist, fashion, cifar10 (fetched by scripts/fetch-data.sh)", DefaultValueFactory = _ => "digits" };
        var quantizer = new Option<string>("--quantizer", "-q") { Description = "Weight quantizer: truncquant or round (the baseline)", DefaultValueFactory = _ => "truncquant" };
        var weightBits = new Option<string>("--weight-bits") { Description = "Weight bit widths trained jointly, e.g. 1,2,4,8", DefaultValueFactory = _ => "1,2,4,8" };
        var actBits = new Option<int>("--act-bits") { Description = "Bits of the hidden activations (1..8)", DefaultValueFactory = _ => 4 };
        var epochs = new Option<int>("--epochs", "-e") { Description = "Training epochs", DefaultValueFactory = _ => 10 };
        var batch = new Option<int>("--batch-size") { Description = "Mini-batch size", DefaultValueFactory = _ => 128 };
        var lr = new Option<double>("--lr") { Description = "Learning rate", DefaultValueFactory = _ => 1e-3 };
        var optimizer = new Option<OptimizerKind>("--optimizer") { Description = "Adam or Sgd", DefaultValueFactory = _ => OptimizerKind.Adam };
        var schedule = new Option<ScheduleKind>("--schedule") { Description = "Constant, Cosine or MultiStep", DefaultValueFactory = _ => ScheduleKind.Cosine };
        var milestones = new Option<string?>("--milestones") { Description = "Epochs for MultiStep, e.g. 100,150,180" };
        var weightDecay = new Option<double>("--weight-decay") { Description = "Weight decay", DefaultValueFactory = _ => 0 };
        var seed = new Option<ulong>("--seed") { Description = "Seed: the same options give the same model", DefaultValueFactory = _ => 1 };
        var threads = new Option<int>("--threads") { Description = "Worker threads (0 = all cores); results do not depend on it", DefaultValueFactory = _ => 0 };
        var calibration = new Option<double>("--calibration-epochs") { Description = "BatchNorm calibration epochs for bit widths not trained (0 = off)", DefaultValueFactory = _ => 1 };
        var trainLimit = new Option<int?>("--train-limit") { Description = "Use only the first N training samples" };
        var checkpoint = new Option<string?>("--checkpoint") { Description = "Write a checkpoint here after every epoch" };
        var resume = new Option<string?>("--resume") { Description = "Resume from a checkpoint (then --epochs is the new total)" };
        var output = new Option<string>("--output", "-o") { Description = "Where to write the trained model", DefaultValueFactory = _ => "model.onnx" };
        var command = new Command("train", "Train a truncation-ready model (TruncQuant QAT) on CPU and write it as a TruncQuant ONNX model")
        {
            model, data, quantizer, weightBits, actBits, epochs, batch, lr, optimizer, schedule, milestones, weightDecay, seed, threads,
            calibration, trainLimit, checkpoint, resume, output,
        };
        command.SetAction(r => context.Guard(r, () =>
        {
            var options = new TrainOptions
            {
                Model = r.GetValue(model)!, Data = r.GetValue(data)!, Quantizer = ParseQuantizer(r.GetValue(quantizer)!),
                WeightBits = ParseList(r.GetValue(weightBits)!, "--weight-bits"), ActivationBits = r.GetValue(actBits),
                Epochs = r.GetValue(epochs), BatchSize = r.GetValue(batch), LearningRate = r.GetValue(lr), Optimizer = r.GetValue(optimizer),
                Schedule = r.GetValue(schedule), Milestones = r.GetValue(milestones) is { } m ? ParseList(m, "--milestones") : [],
                WeightDecay = r.GetValue(weightDecay), Seed = r.GetValue(seed), Threads = r.GetValue(threads),
                CalibrationEpochs = r.GetValue(calibration), TrainLimit = r.GetValue(trainLimit), CheckpointPath = r.GetValue(checkpoint),
            };
            var outPath = r.GetValue(output)!;
            var outDir = Path.GetDirectoryName(Path.GetFullPath(outPath))!;
            if (!Directory.Exists(outDir)) throw new DiagnosticException("TE6001", "the output folder does not exist", outPath);
            // The user's other paths are checked here, by name, so that a missing file or folder met
            // deeper down (an IOException from anywhere) stays what it is: a bug, not their mistake.
            if (options.CheckpointPath is { } ck && !Directory.Exists(Path.GetDirectoryName(Path.GetFullPath(ck))))
                throw new DiagnosticException("TE6001", "the checkpoint folder does not exist", ck);
            if (r.GetValue(resume) is { } resumeFrom && !File.Exists(resumeFrom))
                throw new DiagnosticException("TE6004", "checkpoint file not found", resumeFrom);

            // The options are the user's input: a bad one is their mistake (one line, exit 2). Only
            // Validate's ArgumentException means that; one from deeper in training is a bug and goes
            // to the internal-error path of Guard.
            try
            {
                options.Validate();
            }
            catch (ArgumentException e)
            {
                throw new DiagnosticException("TE6000", e.Message);
            }

            TrainResult result;
            try
            {
                var session = r.GetValue(resume) is { } from
                    ? TrainingSession.Resume(from, o => o with { Epochs = options.Epochs, CheckpointPath = options.CheckpointPath, Threads = options.Threads })
                    : TrainingSession.Create(options);
                result = Train(session, options);
            }
            catch (Exception e) when (e is CheckpointException or TruncEdge.Trainer.Data.DataSetException)
            {
                throw new DiagnosticException("TE6000", e.Message);
            }
            OnnxExport.Write(result, outPath);
            RenderResult(result, outPath);
            return ExitCodes.Ok;
        }));
        return command;
    }

    private TrainResult Train(TrainingSession session, TrainOptions options)
    {
        var console = context.Console;
        if (!console.Profile.Capabilities.Interactive)
        {
            // Logs: one line per epoch.
            return session.Run(new SyncProgress(p =>
            {
                if (p.Phase == TrainPhase.EpochCompleted)
                    Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"epoch {p.Epoch}/{p.Epochs}: loss {p.Loss:0.0000}, train accuracy {p.Accuracy:P1}, {p.SamplesPerSecond:0} samples/s{Test(p)}"));
                else if (p.Phase == TrainPhase.Calibrating && p.Message is { } msg)
                    Console.Error.WriteLine(msg);
            }));
        }
        TrainResult result = null!;
        console.Progress().AutoClear(false).Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask("training", maxValue: 1.0);
                result = session.Run(new SyncProgress(p =>
                {
                    var done = p.StepsPerEpoch == 0 ? 0 : (p.Epoch - 1 + (double)p.Step / p.StepsPerEpoch) / Math.Max(1, p.Epochs);
                    task.Value = Math.Clamp(p.Phase is TrainPhase.Completed or TrainPhase.Calibrating or TrainPhase.Evaluating ? 1.0 : done, 0, 1);
                    task.Description = p.Phase switch
                    {
                        TrainPhase.Calibrating or TrainPhase.Evaluating => Markup.Escape(p.Message ?? p.Phase.ToString()),
                        _ => string.Create(CultureInfo.InvariantCulture,
                            $"epoch {p.Epoch}/{p.Epochs} loss {p.Loss:0.000} acc {p.Accuracy:P1} {p.SamplesPerSecond:0}/s ETA {p.Eta:hh\\:mm\\:ss}"),
                    };
                }));
            });
        return result;
    }

    private static string Test(TrainProgress p) => p.Test is { } t
        ? ", test " + string.Join(" ", t.Rows.Where(x => x.Deployment == WeightDeployment.Quantize).Select(x => $"{x.Precision}:{x.Accuracy:P1}"))
        : "";

    private void RenderResult(TrainResult result, string path)
    {
        var table = new Table().Border(TableBorder.Rounded).AddColumns("weights", "deployment", "test accuracy (fake-quant)");
        foreach (var row in result.Test.Rows.OrderByDescending(x => x.Precision.Bits).ThenBy(x => x.Deployment))
            table.AddRow(row.Precision.IsFull ? "full precision" : $"{row.Precision.Bits} bits", row.Deployment.ToString(), row.Accuracy.ToString("P2", CultureInfo.InvariantCulture));
        context.Console.Write(table);
        context.Console.MarkupLine(string.Create(CultureInfo.InvariantCulture,
            $"wrote [bold]{Markup.Escape(path)}[/]: trained bits {string.Join(",", result.TrainedBits)}, calibrated {string.Join(",", result.CalibratedBits)}; {result.EpochsCompleted} epochs in {result.TrainingTime.TotalSeconds:0.0} s, {result.SamplesPerSecond:0} samples/s"));
    }

    private static WeightQuantizer ParseQuantizer(string s) => s.ToLowerInvariant() switch
    {
        "truncquant" => WeightQuantizer.TruncQuant,
        "round" or "quant" => WeightQuantizer.Round,
        _ => throw new DiagnosticException("TE6002", $"--quantizer '{s}': expected truncquant or round"),
    };

    private static IReadOnlyList<int> ParseList(string s, string option)
    {
        var parts = s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length == 0 || !parts.All(p => int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out _)))
            throw new DiagnosticException("TE6003", $"{option} '{s}': expected comma-separated numbers");
        return parts.Select(p => int.Parse(p, CultureInfo.InvariantCulture)).ToList();
    }

    private sealed class SyncProgress(Action<TrainProgress> report) : IProgress<TrainProgress>
    {
        public void Report(TrainProgress value) => report(value);
    }
}
