using System.Diagnostics;
using System.Globalization;
using TruncEdge.Trainer.Training;

namespace TruncEdge.Bench;

/// <summary>
/// Training throughput: a warm-up run of `warmup` joint training steps (JIT, buffers), then a
/// timed run of `steps` steps on the real data; prints samples per second in the same format as
/// bench/pytorch_speed.py. Data loading is outside the timing.
/// </summary>
internal static class TrainingSpeed
{
    public static int Run(Dictionary<string, string> kv)
    {
        int steps = kv.TryGetValue("steps", out var s) ? int.Parse(s, CultureInfo.InvariantCulture) : 20;
        int warmup = kv.TryGetValue("warmup", out var w) ? int.Parse(w, CultureInfo.InvariantCulture) : 3;
        var options = Program.Options(kv) with
        {
            Epochs = 1,
            EvaluateEachEpoch = false,
            CalibrationEpochs = 0,
            TestLimit = 1,
        };
        TrainingSession.Create(options with { TrainLimit = options.BatchSize * warmup }).Run();
        var session = TrainingSession.Create(options with { TrainLimit = options.BatchSize * steps });
        var clock = Stopwatch.StartNew();
        session.Run();
        clock.Stop();
        double sps = steps * options.BatchSize / clock.Elapsed.TotalSeconds;
        Console.WriteLine($"truncedge model={options.Model} data={options.Data} batch={options.BatchSize} threads={options.Threads} " +
            $"members={session.Members.Count} steps={steps} samples_per_s={sps.ToString("F1", CultureInfo.InvariantCulture)} " +
            $"step_ms={(1000 * clock.Elapsed.TotalSeconds / steps).ToString("F1", CultureInfo.InvariantCulture)}");
        return 0;
    }
}
