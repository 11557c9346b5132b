using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using TruncEdge.Trainer.Tensors;

namespace TruncEdge.Trainer.Kernels;

/// <summary>
/// Batch normalization over the channels of a feature-major tensor [C, ...]: channel c is the
/// contiguous slice [c*S, (c+1)*S). Statistics are accumulated in double; the per-element work
/// is one fused multiply-add per element. Parallel over channels.
/// </summary>
public static class BatchNormKernels
{
    /// <summary>Training forward: batch statistics. Writes y, the batch mean and 1/sqrt(var+eps)
    /// per channel, and the biased batch variance.</summary>
    public static void TrainForward(ComputeContext ctx, int channels, int s, float eps, float[] x, float[] gamma,
        float[] beta, float[] y, float[] mean, float[] invStd, float[] variance)
    {
        ctx.ForRange(channels, Math.Max(1, 32768 / Math.Max(1, s)), (c0, c1) =>
        {
            for (int c = c0; c < c1; c++)
            {
                var xs = x.AsSpan(c * s, s);
                // One pass: sums of d = x - x[0] and d^2 (the shift keeps the variance accurate).
                float shift = xs[0];
                var (sd, sd2) = SumAndSquares(xs, shift);
                double md = sd / s;
                double m = shift + md;
                double v = Math.Max(0, sd2 / s - md * md);
                float inv = (float)(1.0 / Math.Sqrt(v + eps));
                mean[c] = (float)m;
                invStd[c] = inv;
                variance[c] = (float)v;
                float a = gamma[c] * inv;
                float b = beta[c] - (float)m * a;
                Affine(xs, a, b, y.AsSpan(c * s, s));
            }
        });
    }

    /// <summary>Inference forward with the given statistics: y = (x - mean) * gamma / sqrt(var + eps) + beta.</summary>
    public static void EvalForward(ComputeContext ctx, int channels, int s, float eps, float[] x, float[] gamma,
        float[] beta, float[] runningMean, float[] runningVar, float[] y)
    {
        ctx.ForRange(channels, Math.Max(1, 32768 / Math.Max(1, s)), (c0, c1) =>
        {
            for (int c = c0; c < c1; c++)
            {
                float a = gamma[c] / MathF.Sqrt(runningVar[c] + eps);
                float b = beta[c] - runningMean[c] * a;
                Affine(x.AsSpan(c * s, s), a, b, y.AsSpan(c * s, s));
            }
        });
    }

    /// <summary>Backward through batch statistics (training mode): dx is overwritten; dgamma and
    /// dbeta are accumulated.</summary>
    public static void TrainBackward(ComputeContext ctx, int channels, int s, float[] x, float[] dy, float[] gamma,
        float[] mean, float[] invStd, float[] dx, float[] dgamma, float[] dbeta)
    {
        ctx.ForRange(channels, Math.Max(1, 32768 / Math.Max(1, s)), (c0, c1) =>
        {
            for (int c = c0; c < c1; c++)
            {
                var xs = x.AsSpan(c * s, s);
                var dys = dy.AsSpan(c * s, s);
                var (sumDy, sumDyX) = SumAndDot(dys, xs);
                double m = mean[c], inv = invStd[c];
                double dg = inv * (sumDyX - m * sumDy);
                dgamma[c] += (float)dg;
                dbeta[c] += (float)sumDy;
                double a = gamma[c] * inv;
                double k1 = -a * inv * dg / s;
                double k0 = -a * sumDy / s - k1 * m;
                LinearCombination(dys, (float)a, xs, (float)k1, (float)k0, dx.AsSpan(c * s, s));
            }
        });
    }

    /// <summary>Backward with fixed statistics (inference mode).</summary>
    public static void EvalBackward(ComputeContext ctx, int channels, int s, float eps, float[] x, float[] dy, float[] gamma,
        float[] runningMean, float[] runningVar, float[] dx, float[] dgamma, float[] dbeta)
    {
        ctx.ForRange(channels, Math.Max(1, 32768 / Math.Max(1, s)), (c0, c1) =>
        {
            for (int c = c0; c < c1; c++)
            {
                var xs = x.AsSpan(c * s, s);
                var dys = dy.AsSpan(c * s, s);
                double inv = 1.0 / Math.Sqrt(runningVar[c] + eps);
                double sumDy = Sum(dys);
                double sumDyX = Dot(dys, xs);
                dgamma[c] += (float)(inv * (sumDyX - runningMean[c] * sumDy));
                dbeta[c] += (float)sumDy;
                TensorPrimitives.Multiply(dys, (float)(gamma[c] * inv), dx.AsSpan(c * s, s));
            }
        });
    }

    /// <summary>y = a*x + b.</summary>
    internal static void Affine(ReadOnlySpan<float> x, float a, float b, Span<float> y)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var va = Vector256.Create(a);
            var vb = Vector256.Create(b);
            ref float xr = ref MemoryMarshal.GetReference(x);
            ref float yr = ref MemoryMarshal.GetReference(y);
            for (; i <= x.Length - 8; i += 8)
            {
                Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref xr, (nuint)i), va, vb).StoreUnsafe(ref yr, (nuint)i);
            }
        }
        for (; i < x.Length; i++)
        {
            y[i] = MathF.FusedMultiplyAdd(x[i], a, b);
        }
    }

    /// <summary>Sum in blocks: float SIMD within a block of 4096, double across blocks.</summary>
    internal static double Sum(ReadOnlySpan<float> x)
    {
        double total = 0;
        for (int i = 0; i < x.Length; i += 4096)
        {
            total += TensorPrimitives.Sum(x.Slice(i, Math.Min(4096, x.Length - i)));
        }
        return total;
    }

    internal static double Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double total = 0;
        for (int i = 0; i < a.Length; i += 4096)
        {
            int n = Math.Min(4096, a.Length - i);
            total += TensorPrimitives.Dot(a.Slice(i, n), b.Slice(i, n));
        }
        return total;
    }

    /// <summary>(sum of x - shift, sum of (x - shift)^2); float SIMD lanes within blocks of 4096, double across.</summary>
    private static (double Sum, double Squares) SumAndSquares(ReadOnlySpan<float> x, float shift)
    {
        double sum = 0, sq = 0;
        ref float xr = ref MemoryMarshal.GetReference(x);
        for (int b = 0; b < x.Length; b += 4096)
        {
            int e = Math.Min(x.Length, b + 4096), i = b;
            float ps = 0, pq = 0;
            if (Vector256.IsHardwareAccelerated)
            {
                var vs = Vector256<float>.Zero;
                var vq = Vector256<float>.Zero;
                var vshift = Vector256.Create(shift);
                for (; i <= e - 8; i += 8)
                {
                    var d = Vector256.LoadUnsafe(ref xr, (nuint)i) - vshift;
                    vs += d;
                    vq = Vector256.FusedMultiplyAdd(d, d, vq);
                }
                ps = Vector256.Sum(vs);
                pq = Vector256.Sum(vq);
            }
            for (; i < e; i++)
            {
                float d = x[i] - shift;
                ps += d;
                pq += d * d;
            }
            sum += ps;
            sq += pq;
        }
        return (sum, sq);
    }

    /// <summary>(sum of a, sum of a*b) in one pass.</summary>
    private static (double Sum, double Dot) SumAndDot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double sum = 0, dot = 0;
        ref float ar = ref MemoryMarshal.GetReference(a);
        ref float br = ref MemoryMarshal.GetReference(b);
        for (int blk = 0; blk < a.Length; blk += 4096)
        {
            int e = Math.Min(a.Length, blk + 4096), i = blk;
            float ps = 0, pd = 0;
            if (Vector256.IsHardwareAccelerated)
            {
                var vs = Vector256<float>.Zero;
                var vd = Vector256<float>.Zero;
                for (; i <= e - 8; i += 8)
                {
                    var va = Vector256.LoadUnsafe(ref ar, (nuint)i);
                    vs += va;
                    vd = Vector256.FusedMultiplyAdd(va, Vector256.LoadUnsafe(ref br, (nuint)i), vd);
                }
                ps = Vector256.Sum(vs);
                pd = Vector256.Sum(vd);
            }
            for (; i < e; i++)
            {
                ps += a[i];
                pd += a[i] * b[i];
            }
            sum += ps;
            dot += pd;
        }
        return (sum, dot);
    }

    /// <summary>y = a*u + b*v + c, one pass.</summary>
    private static void LinearCombination(ReadOnlySpan<float> u, float a, ReadOnlySpan<float> v, float b, float c, Span<float> y)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            ref float ur = ref MemoryMarshal.GetReference(u);
            ref float vr = ref MemoryMarshal.GetReference(v);
            ref float yr = ref MemoryMarshal.GetReference(y);
            var va = Vector256.Create(a);
            var vb = Vector256.Create(b);
            var vc = Vector256.Create(c);
            for (; i <= u.Length - 8; i += 8)
            {
                var t = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref vr, (nuint)i), vb, vc);
                Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref ur, (nuint)i), va, t).StoreUnsafe(ref yr, (nuint)i);
            }
        }
        for (; i < u.Length; i++)
        {
            y[i] = a * u[i] + (b * v[i] + c);
        }
    }
}
