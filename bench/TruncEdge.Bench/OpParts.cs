using System.Diagnostics;
using TruncEdge.Trainer.Kernels;
using TruncEdge.Trainer.Tensors;

namespace TruncEdge.Bench;

/// <summary>Times the elementwise and normalization kernels at ResNet-8's first-stage shape, one thread.</summary>
internal static class OpParts
{
    public static int Run()
    {
        var ctx = new ComputeContext(1);
        int c = 16, s = 128 * 32 * 32, n = c * s;
        var rng = new Rng(1);
        var x = new float[n];
        for (int i = 0; i < n; i++)
        {
            x[i] = (float)rng.NextGaussian();
        }
        var y = new float[n];
        var dy = (float[])x.Clone();
        var gamma = Enumerable.Repeat(1f, c).ToArray();
        var beta = new float[c];
        float[] m = new float[c], inv = new float[c], v = new float[c], dg = new float[c], db = new float[c];
        Report("bn forward", () => BatchNormKernels.TrainForward(ctx, c, s, 1e-5f, x, gamma, beta, y, m, inv, v));
        Report("bn backward", () => BatchNormKernels.TrainBackward(ctx, c, s, x, dy, gamma, m, inv, y, dg, db));
        Report("act forward", () => ActivationKernels.QuantizeForward(ctx, 4, x, y, n));
        Report("act backward", () => ActivationKernels.QuantizeBackward(ctx, x, dy, y, n));
        Report("add", () => System.Numerics.Tensors.TensorPrimitives.Add(x, dy, y));
        Report("copy", () => x.AsSpan().CopyTo(y));
        return 0;
    }

    private static void Report(string name, Action a)
    {
        for (int i = 0; i < 5; i++)
        {
            a();
        }
        var t0 = Process.GetCurrentProcess().TotalProcessorTime;
        for (int i = 0; i < 20; i++)
        {
            a();
        }
        double ms = (Process.GetCurrentProcess().TotalProcessorTime - t0).TotalMilliseconds / 20;
        Console.WriteLine($"{name,-14} {ms,6:F2} ms  ({16 * 128 * 32 * 32 * 4 / ms / 1e6:F1} GB/s per 8 MB tensor pass)");
    }
}
