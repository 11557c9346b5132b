using System.Diagnostics;
using System.Globalization;
using TruncEdge.Trainer.Data;
using TruncEdge.Trainer.Layers;
using TruncEdge.Trainer.Losses;
using TruncEdge.Trainer.Quantization;
using TruncEdge.Trainer.Tensors;
using TruncEdge.Trainer.Zoo;

namespace TruncEdge.Bench;

/// <summary>Per-layer forward/backward times of one member (top-level layers of the model).</summary>
internal static class LayerProfile
{
    public static int Run(Dictionary<string, string> kv)
    {
        var o = Program.Options(kv);
        var data = DataSets.Load(o.Data).Train.Take(o.BatchSize);
        var net = ModelZoo.Create(o.Model, new InputShape(data.Channels, data.Height, data.Width, data.Classes),
            o.ActivationBits, o.Quantizer, new Rng(1));
        var compute = new ComputeContext(o.Threads);
        var member = kv.TryGetValue("member", out var m) ? Precision.Parse(m) : Precision.Of(4);
        int reps = kv.TryGetValue("reps", out var r) ? int.Parse(r, CultureInfo.InvariantCulture) : 10;
        var (x0, labels) = new BatchAssembler().Assemble(compute, data, Enumerable.Range(0, data.Count).ToArray(), Augmentation.None, null);
        var layers = net.Root.Children;
        var fwd = new double[layers.Count];
        var bwd = new double[layers.Count];
        var grad = new float[data.Classes * data.Count];
        var probs = new float[grad.Length];
        for (int rep = 0; rep < reps + 2; rep++)
        {
            var ctx = new PassContext(compute, member, training: true);
            var outs = new Tensor[layers.Count];
            var x = x0;
            for (int i = 0; i < layers.Count; i++)
            {
                var t0 = Cpu();
                x = layers[i].Forward(x, ctx);
                if (rep >= 2)
                {
                    fwd[i] += Cpu() - t0;
                }
            }
            CrossEntropy.Hard(x, labels, grad, probs);
            Tensor? d = new Tensor(grad, x.Shape);
            for (int i = layers.Count - 1; i >= 0 && d is not null; i--)
            {
                var t0 = Cpu();
                d = layers[i].Backward(d, ctx);
                if (rep >= 2)
                {
                    bwd[i] += Cpu() - t0;
                }
            }
        }
        double tf = 0, tb = 0;
        for (int i = 0; i < layers.Count; i++)
        {
            Console.WriteLine($"{layers[i].Name,-24} {layers[i].GetType().Name,-20} fwd {fwd[i] / reps,8:F2} ms  bwd {bwd[i] / reps,8:F2} ms");
            tf += fwd[i] / reps;
            tb += bwd[i] / reps;
        }
        Console.WriteLine($"total fwd {tf:F2} ms bwd {tb:F2} ms CPU time per member step of {o.BatchSize}");
        return 0;
    }

    /// <summary>CPU time of the process in ms (robust against other load on the machine).</summary>
    private static double Cpu() => Environment.GetEnvironmentVariable("PROFILE_WALL") == "1"
        ? Stopwatch.GetTimestamp() * 1000.0 / Stopwatch.Frequency
        : Process.GetCurrentProcess().TotalProcessorTime.TotalMilliseconds;
}
