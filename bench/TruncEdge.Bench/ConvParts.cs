using System.Diagnostics;
using TruncEdge.Trainer.Kernels;
using TruncEdge.Trainer.Tensors;

namespace TruncEdge.Bench;

/// <summary>Times the pieces of one convolution (im2col, serial GEMM, whole forward) on one thread.</summary>
internal static class ConvParts
{
    public static int Run()
    {
        var rng = new Rng(1);
        (int cin, int cout, int h, int n, int k, int st)[] cases = [(16, 32, 14, 128, 3, 1), (16, 16, 32, 128, 3, 1), (32, 32, 16, 128, 3, 1),
            (64, 64, 8, 128, 3, 1), (16, 32, 32, 128, 3, 2), (16, 32, 32, 128, 1, 2), (32, 64, 16, 128, 3, 2)];
        foreach (var (cin, cout, h, n, k, st) in cases)
        {
            var g = new ConvGeometry(cin, cout, 1, k, k, st, st, k / 2, k / 2, k / 2, k / 2, n, h, h);
            var x = Rand(rng, cin * n * h * h);
            var w = Rand(rng, cout * cin * 9);
            var y = new float[cout * g.OutPositions];
            int per = Math.Max(1, 192 * 1024 / (g.PatchSize * g.OutPlane * 4));
            int cols = per * g.OutPlane;
            var col = new float[g.PatchSize * cols];
            var ctx = new ComputeContext(1);
            double flops = 2.0 * cout * g.PatchSize * g.OutPositions;
            double tIm = Time(() => { for (int s = 0; s < n; s += per) Im2Col.Forward(g, x, s, Math.Min(n, s + per), col); });
            double tGemm = Time(() => { for (int s = 0; s < n; s += per) Gemm.MultiplySerial(cout, cols, g.PatchSize, MatrixView.RowMajor(w, g.PatchSize), MatrixView.RowMajor(col, cols), y, 0, cols, false); });
            double tFwd = Time(() => ConvKernels.Forward(ctx, g, x, w, y));
            var dw = new float[w.Length];
            double tDw = Time(() => ConvKernels.BackwardWeight(ctx, g, x, y, dw));
            var dx = new float[x.Length];
            double tDx = Time(() => ConvKernels.BackwardData(ctx, g, w, y, dx));
            Console.WriteLine($"{cin}->{cout} k{k}s{st} {h}x{h} n={n} chunk={per}: im2col {tIm:F2} ms, gemm {tGemm:F2} ms ({flops / tGemm / 1e6:F0} GFLOP/s), " +
                $"forward {tFwd:F2} ms ({flops / tFwd / 1e6:F0}), dW {tDw:F2} ms ({flops / tDw / 1e6:F0}), dX {tDx:F2} ms ({flops / tDx / 1e6:F0})");
        }
        return 0;
    }

    private static double Time(Action a)
    {
        for (int i = 0; i < 40; i++)
        {
            a();
        }
        double best = double.MaxValue;
        for (int r = 0; r < 5; r++)
        {
            var t0 = Process.GetCurrentProcess().TotalProcessorTime;
            for (int i = 0; i < 10; i++)
            {
                a();
            }
            best = Math.Min(best, (Process.GetCurrentProcess().TotalProcessorTime - t0).TotalMilliseconds / 10);
        }
        return best;
    }

    private static float[] Rand(Rng rng, int n)
    {
        var a = new float[n];
        for (int i = 0; i < n; i++)
        {
            a[i] = (float)(rng.NextDouble() - 0.5);
        }
        return a;
    }
}
