using System.Globalization;
using System.Text.Json;
using TruncEdge.Trainer.Training;

namespace TruncEdge.Bench;

/// <summary>
/// Saves a run's test accuracies as JSON, and prints the paper's table (TRUNCQUANT.md section 6)
/// from a round-quantizer run and a TruncQuant run:
///   truncedge-bench table round.json truncquant.json
/// </summary>
internal static class ResultTable
{
    public sealed record Row(string Precision, string Deployment, double Accuracy, int Correct, int Count);

    public sealed record RunRecord(string Command, string Quantizer, int Epochs, double TrainingSeconds, double TotalSeconds,
        double SamplesPerSecond, IReadOnlyList<int> TrainedBits, IReadOnlyList<int> CalibratedBits, IReadOnlyList<Row> Rows);

    public static void Save(string path, string command, TrainOptions o, TrainResult r)
    {
        var record = new RunRecord(command, o.Quantizer.ToString(), r.EpochsCompleted, r.TrainingTime.TotalSeconds, r.TotalTime.TotalSeconds,
            r.SamplesPerSecond, r.TrainedBits, r.CalibratedBits,
            r.Test.Rows.Select(x => new Row(x.Precision.ToString(), x.Deployment.ToString(), x.Accuracy, x.Correct, x.Count)).ToList());
        File.WriteAllText(path, JsonSerializer.Serialize(record, new JsonSerializerOptions { WriteIndented = true }));
    }

    public static int Print(string roundPath, string truncPath)
    {
        var round = JsonSerializer.Deserialize<RunRecord>(File.ReadAllText(roundPath))!;
        var trunc = JsonSerializer.Deserialize<RunRecord>(File.ReadAllText(truncPath))!;
        string[] cols = ["1", "2", "3", "4", "5", "6", "7", "8", "fp"];
        string Cell(RunRecord run, string p, string d)
        {
            var row = run.Rows.FirstOrDefault(x => x.Precision == p && x.Deployment == d);
            if (row is null)
            {
                return "";
            }
            string v = (100 * row.Accuracy).ToString("F2", CultureInfo.InvariantCulture);
            bool untrained = p != "fp" && !run.TrainedBits.Contains(int.Parse(p, CultureInfo.InvariantCulture));
            return untrained ? v + "*" : v;
        }
        Console.WriteLine("| train / inference | " + string.Join(" | ", cols.Select(c => c == "fp" ? "32 (fp)" : c)) + " |");
        Console.WriteLine("|---|" + string.Concat(cols.Select(_ => "---|")));
        Console.WriteLine("| Quant / Quant | " + string.Join(" | ", cols.Select(c => Cell(round, c, "Quantize"))) + " |");
        Console.WriteLine("| Quant / Trunc | " + string.Join(" | ", cols.Select(c => Cell(round, c, c == "fp" ? "Quantize" : "Truncate"))) + " |");
        Console.WriteLine("| TruncQuant / Trunc | " + string.Join(" | ", cols.Select(c => Cell(trunc, c, "Truncate"))) + " |");
        Console.WriteLine();
        Console.WriteLine("\\* bit width not trained: BatchNorm calibrated after training.");
        foreach (var run in new[] { round, trunc })
        {
            Console.WriteLine($"- {run.Quantizer}: `{run.Command}`: {run.Epochs} epochs, training {run.TrainingSeconds / 60:F1} min " +
                $"({run.SamplesPerSecond:F0} samples/s), total with calibration and evaluation {run.TotalSeconds / 60:F1} min");
        }
        return 0;
    }
}
