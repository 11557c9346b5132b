using System.Buffers;
using TruncEdge.Trainer.Tensors;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace TruncEdge.Trainer.Kernels;

/// <summary>
/// Direct depthwise convolution (groups = Cin = Cout) on feature-major tensors: every (channel,
/// sample) plane is convolved with its channel's KH x KW filter. Too little work per group for a
/// GEMM; the plane loops below are cache-friendly and parallel over planes (over channels for
/// the weight gradient, so its sums over the batch run in a fixed order).
/// </summary>
public static class DepthwiseConv
{
    public static void Forward(ComputeContext ctx, ConvGeometry g, float[] x, float[] w, float[] y)
    {
        if (IsSame(g))
        {
            SameForward(ctx, g, x, w, y);
            return;
        }
        int n = g.Batch, kk = g.KernelH * g.KernelW;
        ctx.ForRange(g.OutChannels * n, Math.Max(1, 4096 / Math.Max(1, g.OutPlane * kk)), (p0, p1) =>
        {
            for (int plane = p0; plane < p1; plane++)
            {
                int c = plane / n;
                int yBase = plane * g.OutPlane, xBase = plane * g.InPlane;
                y.AsSpan(yBase, g.OutPlane).Clear();
                for (int ij = 0; ij < kk; ij++)
                {
                    float wv = w[c * kk + ij];
                    var tap = Tap.Of(g, ij);
                    for (int oy = 0; oy < g.OutHeight; oy++)
                    {
                        int iy = tap.InputRow(g, oy);
                        if (iy < 0)
                        {
                            continue;
                        }
                        int yo = yBase + oy * g.OutWidth, xi = xBase + iy * g.Width + tap.Offset;
                        for (int o = tap.Lo; o < tap.Hi; o++)
                        {
                            y[yo + o] += wv * x[xi + o * g.StrideW];
                        }
                    }
                }
            }
        });
    }

    public static void BackwardData(ComputeContext ctx, ConvGeometry g, float[] w, float[] dy, float[] dx)
    {
        if (IsSame(g))
        {
            SameBackwardData(ctx, g, w, dy, dx);
            return;
        }
        int n = g.Batch, kk = g.KernelH * g.KernelW;
        ctx.ForRange(g.InChannels * n, Math.Max(1, 4096 / Math.Max(1, g.OutPlane * kk)), (p0, p1) =>
        {
            for (int plane = p0; plane < p1; plane++)
            {
                int c = plane / n;
                int yBase = plane * g.OutPlane, xBase = plane * g.InPlane;
                dx.AsSpan(xBase, g.InPlane).Clear();
                for (int ij = 0; ij < kk; ij++)
                {
                    float wv = w[c * kk + ij];
                    var tap = Tap.Of(g, ij);
                    for (int oy = 0; oy < g.OutHeight; oy++)
                    {
                        int iy = tap.InputRow(g, oy);
                        if (iy < 0)
                        {
                            continue;
                        }
                        int yo = yBase + oy * g.OutWidth, xi = xBase + iy * g.Width + tap.Offset;
                        for (int o = tap.Lo; o < tap.Hi; o++)
                        {
                            dx[xi + o * g.StrideW] += wv * dy[yo + o];
                        }
                    }
                }
            }
        });
    }

    /// <summary>dw += sum over samples and positions of dy * x (accumulated).</summary>
    public static void BackwardWeight(ComputeContext ctx, ConvGeometry g, float[] x, float[] dy, float[] dw)
    {
        if (IsSame(g))
        {
            SameBackwardWeight(ctx, g, x, dy, dw);
            return;
        }
        int n = g.Batch, kk = g.KernelH * g.KernelW;
        ctx.ForRange(g.OutChannels, Math.Max(1, 4096 / Math.Max(1, n * g.OutPlane * kk)), (c0, c1) =>
        {
            for (int c = c0; c < c1; c++)
            {
                for (int ij = 0; ij < kk; ij++)
                {
                    var tap = Tap.Of(g, ij);
                    double acc = 0;
                    for (int b = 0; b < n; b++)
                    {
                        int plane = c * n + b;
                        int yBase = plane * g.OutPlane, xBase = plane * g.InPlane;
                        float s = 0f;
                        for (int oy = 0; oy < g.OutHeight; oy++)
                        {
                            int iy = tap.InputRow(g, oy);
                            if (iy < 0)
                            {
                                continue;
                            }
                            int yo = yBase + oy * g.OutWidth, xi = xBase + iy * g.Width + tap.Offset;
                            for (int o = tap.Lo; o < tap.Hi; o++)
                            {
                                s += dy[yo + o] * x[xi + o * g.StrideW];
                            }
                        }
                        acc += s;
                    }
                    dw[c * kk + ij] += (float)acc;
                }
            }
        });
    }

    /// <summary>Stride 1 with an output as large as the input: every tap is one shifted copy of the
    /// channel's whole [N, H, W] block (padded positions zeroed) and one long vector
    /// multiply-add, instead of short per-row loops.</summary>
    private static bool IsSame(ConvGeometry g) =>
        g.StrideH == 1 && g.StrideW == 1 && g.OutHeight == g.Height && g.OutWidth == g.Width;

    /// <summary>t = block of channel c shifted by tap ij (t[q] = src[q + delta]), zero where the
    /// tap reads padding.</summary>
    private static void Shifted(ConvGeometry g, float[] src, int c, int ij, Span<float> t)
    {
        int len = g.Batch * g.InPlane;
        int di = ij / g.KernelW - g.PadTop, dj = ij % g.KernelW - g.PadLeft;
        int delta = di * g.Width + dj;
        int lo = Math.Min(len, Math.Max(0, -delta)), hi = Math.Max(lo, Math.Min(len, len - delta));
        t[..lo].Clear();
        if (hi > lo)
        {
            src.AsSpan(c * len + lo + delta, hi - lo).CopyTo(t[lo..hi]);
        }
        t[hi..].Clear();
        Im2Col.ZeroPadded(g.Height, g.Width, t, g.Batch, di, dj);
    }

    private static void SameForward(ComputeContext ctx, ConvGeometry g, float[] x, float[] w, float[] y)
    {
        int len = g.Batch * g.InPlane, kk = g.KernelH * g.KernelW;
        ctx.For(g.OutChannels, c =>
        {
            var t = ArrayPool<float>.Shared.Rent(len);
            try
            {
                var yc = y.AsSpan(c * len, len);
                yc.Clear();
                for (int ij = 0; ij < kk; ij++)
                {
                    Shifted(g, x, c, ij, t.AsSpan(0, len));
                    TensorPrimitives.MultiplyAdd(t.AsSpan(0, len), w[c * kk + ij], yc, yc);
                }
            }
            finally
            {
                ArrayPool<float>.Shared.Return(t);
            }
        });
    }

    private static void SameBackwardWeight(ComputeContext ctx, ConvGeometry g, float[] x, float[] dy, float[] dw)
    {
        int len = g.Batch * g.InPlane, kk = g.KernelH * g.KernelW;
        ctx.For(g.OutChannels, c =>
        {
            var t = ArrayPool<float>.Shared.Rent(len);
            try
            {
                var dyc = dy.AsSpan(c * len, len);
                for (int ij = 0; ij < kk; ij++)
                {
                    Shifted(g, x, c, ij, t.AsSpan(0, len));
                    double s = 0;
                    for (int b = 0; b < len; b += 4096)
                    {
                        int n = Math.Min(4096, len - b);
                        s += TensorPrimitives.Dot(t.AsSpan(b, n), dyc.Slice(b, n));
                    }
                    dw[c * kk + ij] += (float)s;
                }
            }
            finally
            {
                ArrayPool<float>.Shared.Return(t);
            }
        });
    }

    private static void SameBackwardData(ComputeContext ctx, ConvGeometry g, float[] w, float[] dy, float[] dx)
    {
        int len = g.Batch * g.InPlane, kk = g.KernelH * g.KernelW;
        ctx.For(g.InChannels, c =>
        {
            var t = ArrayPool<float>.Shared.Rent(len);
            try
            {
                var dxc = dx.AsSpan(c * len, len);
                dxc.Clear();
                var dyc = dy.AsSpan(c * len, len);
                for (int ij = 0; ij < kk; ij++)
                {
                    // dx[q + delta] += w * dy[q] for the positions q whose tap reads inside the image.
                    int di = ij / g.KernelW - g.PadTop, dj = ij % g.KernelW - g.PadLeft;
                    int delta = di * g.Width + dj;
                    var tt = t.AsSpan(0, len);
                    TensorPrimitives.Multiply(dyc, w[c * kk + ij], tt);
                    Im2Col.ZeroPadded(g.Height, g.Width, tt, g.Batch, di, dj);
                    int lo = Math.Min(len, Math.Max(0, -delta)), hi = Math.Max(lo, Math.Min(len, len - delta));
                    if (hi > lo)
                    {
                        var d = dxc.Slice(lo + delta, hi - lo);
                        TensorPrimitives.Add(d, tt[lo..hi], d);
                    }
                }
            }
            finally
            {
                ArrayPool<float>.Shared.Return(t);
            }
        });
    }

    /// <summary>One kernel tap (i, j): output columns [Lo, Hi) read input columns
    /// o * StrideW + Offset, all inside the image.</summary>
    private readonly record struct Tap(int I, int Offset, int Lo, int Hi)
    {
        public static Tap Of(ConvGeometry g, int ij)
        {
            int i = ij / g.KernelW, j = ij % g.KernelW;
            int off = j - g.PadLeft;
            int lo = off >= 0 ? 0 : (-off + g.StrideW - 1) / g.StrideW;
            int last = g.Width - 1 - off;
            int hi = last < 0 ? 0 : Math.Min(g.OutWidth, last / g.StrideW + 1);
            return new Tap(i, off, lo, Math.Max(lo, hi));
        }

        /// <summary>The input row read by output row oy, or -1 when it is padding.</summary>
        public int InputRow(ConvGeometry g, int oy)
        {
            int iy = oy * g.StrideH + I - g.PadTop;
            return (uint)iy < (uint)g.Height ? iy : -1;
        }
    }
}
