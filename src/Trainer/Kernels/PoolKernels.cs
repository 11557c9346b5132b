using TruncEdge.Trainer.Tensors;

namespace TruncEdge.Trainer.Kernels;

/// <summary>Max, average and global-average pooling, forward and backward, parallel over planes.</summary>
public static class PoolKernels
{
    /// <summary>y = max over each window (padding ignored); argmax[o] = input index of the winner
    /// (the first one on ties).</summary>
    public static void MaxForward(ComputeContext ctx, PoolGeometry g, float[] x, float[] y, int[] argmax)
    {
        if (g is { KernelH: 2, KernelW: 2, StrideH: 2, StrideW: 2, PadTop: 0, PadLeft: 0, PadBottom: 0, PadRight: 0 })
        {
            Max2x2(ctx, g, x, y, argmax);
            return;
        }
        ctx.ForRange(g.Planes, Math.Max(1, 8192 / Math.Max(1, g.InPlane)), (p0, p1) =>
        {
            for (int plane = p0; plane < p1; plane++)
            {
                int xb = plane * g.InPlane, yb = plane * g.OutPlane;
                for (int oy = 0; oy < g.OutHeight; oy++)
                {
                    int y0 = Math.Max(0, oy * g.StrideH - g.PadTop), y1 = Math.Min(g.Height, oy * g.StrideH - g.PadTop + g.KernelH);
                    for (int ox = 0; ox < g.OutWidth; ox++)
                    {
                        int x0 = Math.Max(0, ox * g.StrideW - g.PadLeft), x1 = Math.Min(g.Width, ox * g.StrideW - g.PadLeft + g.KernelW);
                        float best = float.NegativeInfinity;
                        int arg = xb + y0 * g.Width + x0;
                        for (int iy = y0; iy < y1; iy++)
                        {
                            for (int ix = x0; ix < x1; ix++)
                            {
                                int idx = xb + iy * g.Width + ix;
                                if (x[idx] > best)
                                {
                                    best = x[idx];
                                    arg = idx;
                                }
                            }
                        }
                        int o = yb + oy * g.OutWidth + ox;
                        y[o] = best;
                        argmax[o] = arg;
                    }
                }
            }
        });
    }

    /// <summary>The common 2x2 stride-2 window without padding, with the same tie rule (first
    /// in row-major window order wins).</summary>
    private static void Max2x2(ComputeContext ctx, PoolGeometry g, float[] x, float[] y, int[] argmax)
    {
        int w = g.Width, oh = g.OutHeight, ow = g.OutWidth;
        ctx.ForRange(g.Planes, Math.Max(1, 16384 / Math.Max(1, g.InPlane)), (p0, p1) =>
        {
            for (int plane = p0; plane < p1; plane++)
            {
                int xb = plane * g.InPlane, yb = plane * g.OutPlane;
                for (int oy = 0; oy < oh; oy++)
                {
                    int r0 = xb + 2 * oy * w, r1 = r0 + w, o = yb + oy * ow;
                    for (int ox = 0; ox < ow; ox++)
                    {
                        int i0 = r0 + 2 * ox, i2 = r1 + 2 * ox;
                        float best = x[i0];
                        int arg = i0;
                        if (x[i0 + 1] > best)
                        {
                            best = x[i0 + 1];
                            arg = i0 + 1;
                        }
                        if (x[i2] > best)
                        {
                            best = x[i2];
                            arg = i2;
                        }
                        if (x[i2 + 1] > best)
                        {
                            best = x[i2 + 1];
                            arg = i2 + 1;
                        }
                        y[o + ox] = best;
                        argmax[o + ox] = arg;
                    }
                }
            }
        });
    }

    /// <summary>dx = 0, then dx[argmax[o]] += dy[o] (plane by plane, so no races).</summary>
    public static void MaxBackward(ComputeContext ctx, PoolGeometry g, float[] dy, int[] argmax, float[] dx)
    {
        ctx.ForRange(g.Planes, Math.Max(1, 8192 / Math.Max(1, g.InPlane)), (p0, p1) =>
        {
            dx.AsSpan(p0 * g.InPlane, (p1 - p0) * g.InPlane).Clear();
            for (int o = p0 * g.OutPlane; o < p1 * g.OutPlane; o++)
            {
                dx[argmax[o]] += dy[o];
            }
        });
    }

    /// <summary>Window mean; the divisor is the full window when <paramref name="countIncludePad"/>,
    /// else the number of window positions inside the input.</summary>
    public static void AvgForward(ComputeContext ctx, PoolGeometry g, bool countIncludePad, float[] x, float[] y)
    {
        ctx.ForRange(g.Planes, Math.Max(1, 8192 / Math.Max(1, g.InPlane)), (p0, p1) =>
        {
            for (int plane = p0; plane < p1; plane++)
            {
                int xb = plane * g.InPlane, yb = plane * g.OutPlane;
                for (int oy = 0; oy < g.OutHeight; oy++)
                {
                    int y0 = Math.Max(0, oy * g.StrideH - g.PadTop), y1 = Math.Min(g.Height, oy * g.StrideH - g.PadTop + g.KernelH);
                    for (int ox = 0; ox < g.OutWidth; ox++)
                    {
                        int x0 = Math.Max(0, ox * g.StrideW - g.PadLeft), x1 = Math.Min(g.Width, ox * g.StrideW - g.PadLeft + g.KernelW);
                        float s = 0f;
                        for (int iy = y0; iy < y1; iy++)
                        {
                            for (int ix = x0; ix < x1; ix++)
                            {
                                s += x[xb + iy * g.Width + ix];
                            }
                        }
                        int count = countIncludePad ? g.KernelH * g.KernelW : (y1 - y0) * (x1 - x0);
                        y[yb + oy * g.OutWidth + ox] = s / count;
                    }
                }
            }
        });
    }

    public static void AvgBackward(ComputeContext ctx, PoolGeometry g, bool countIncludePad, float[] dy, float[] dx)
    {
        ctx.ForRange(g.Planes, Math.Max(1, 8192 / Math.Max(1, g.InPlane)), (p0, p1) =>
        {
            dx.AsSpan(p0 * g.InPlane, (p1 - p0) * g.InPlane).Clear();
            for (int plane = p0; plane < p1; plane++)
            {
                int xb = plane * g.InPlane, yb = plane * g.OutPlane;
                for (int oy = 0; oy < g.OutHeight; oy++)
                {
                    int y0 = Math.Max(0, oy * g.StrideH - g.PadTop), y1 = Math.Min(g.Height, oy * g.StrideH - g.PadTop + g.KernelH);
                    for (int ox = 0; ox < g.OutWidth; ox++)
                    {
                        int x0 = Math.Max(0, ox * g.StrideW - g.PadLeft), x1 = Math.Min(g.Width, ox * g.StrideW - g.PadLeft + g.KernelW);
                        int count = countIncludePad ? g.KernelH * g.KernelW : (y1 - y0) * (x1 - x0);
                        float d = dy[yb + oy * g.OutWidth + ox] / count;
                        for (int iy = y0; iy < y1; iy++)
                        {
                            for (int ix = x0; ix < x1; ix++)
                            {
                                dx[xb + iy * g.Width + ix] += d;
                            }
                        }
                    }
                }
            }
        });
    }

    /// <summary>y[plane] = mean of the plane (planeSize elements each).</summary>
    public static void GlobalAvgForward(ComputeContext ctx, int planes, int planeSize, float[] x, float[] y)
    {
        ctx.ForRange(planes, Math.Max(1, 16384 / Math.Max(1, planeSize)), (p0, p1) =>
        {
            for (int p = p0; p < p1; p++)
            {
                y[p] = System.Numerics.Tensors.TensorPrimitives.Sum(x.AsSpan(p * planeSize, planeSize)) / planeSize;
            }
        });
    }

    public static void GlobalAvgBackward(ComputeContext ctx, int planes, int planeSize, float[] dy, float[] dx)
    {
        ctx.ForRange(planes, Math.Max(1, 16384 / Math.Max(1, planeSize)), (p0, p1) =>
        {
            for (int p = p0; p < p1; p++)
            {
                dx.AsSpan(p * planeSize, planeSize).Fill(dy[p] / planeSize);
            }
        });
    }
}
