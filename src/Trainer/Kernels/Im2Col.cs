using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace TruncEdge.Trainer.Kernels;

/// <summary>
/// im2col and its adjoint col2im for feature-major inputs [C, N, H, W], on a range of images
/// [n0, n1) (so a convolution can work on chunks that stay in cache). Row r = (c*KH + i)*KW + j
/// of the column matrix, column p = ((n - n0)*OH + oh)*OW + ow, holds x[c, n, oh*SH + i - PadTop,
/// ow*SW + j - PadLeft] (zero outside the input). Rows are ordered by channel, so the rows of
/// group g are the contiguous block [g*PatchSize, (g+1)*PatchSize). Serial: callers parallelize
/// over chunks.
/// </summary>
public static class Im2Col
{
    public static void Forward(ConvGeometry g, float[] x, int n0, int n1, float[] col)
    {
        int kk = g.KernelH * g.KernelW;
        int rows = g.InChannels * kk;
        int oh = g.OutHeight, ow = g.OutWidth, h = g.Height, w = g.Width, n = g.Batch;
        int positions = (n1 - n0) * oh * ow;
        for (int r = 0; r < rows; r++)
        {
            int c = r / kk, i = r % kk / g.KernelW, j = r % g.KernelW;
            var dst = col.AsSpan(r * positions, positions);
            int lo = 0, hi = ow;
            if (g.StrideW == 1)
            {
                // columns ow with 0 <= ow + j - PadLeft < w
                lo = Math.Min(ow, Math.Max(0, g.PadLeft - j));
                hi = Math.Max(lo, Math.Min(ow, w + g.PadLeft - j));
            }
            for (int b = n0; b < n1; b++)
            {
                int src0 = (c * n + b) * h * w;
                for (int y = 0; y < oh; y++)
                {
                    int iy = y * g.StrideH + i - g.PadTop;
                    var drow = dst.Slice(((b - n0) * oh + y) * ow, ow);
                    if ((uint)iy >= (uint)h)
                    {
                        drow.Clear();
                        continue;
                    }
                    int srow = src0 + iy * w;
                    if (g.StrideW == 1)
                    {
                        drow[..lo].Clear();
                        x.AsSpan(srow + lo + j - g.PadLeft, hi - lo).CopyTo(drow[lo..hi]);
                        drow[hi..].Clear();
                    }
                    else
                    {
                        for (int xo = 0; xo < ow; xo++)
                        {
                            int ix = xo * g.StrideW + j - g.PadLeft;
                            drow[xo] = (uint)ix < (uint)w ? x[srow + ix] : 0f;
                        }
                    }
                }
            }
        }
    }

    /// <summary>dx[c, n, ih, iw] += the column entries that read it, for images [n0, n1).</summary>
    public static void Backward(ConvGeometry g, float[] col, int n0, int n1, float[] dx)
    {
        int kk = g.KernelH * g.KernelW;
        int oh = g.OutHeight, ow = g.OutWidth, h = g.Height, w = g.Width, n = g.Batch;
        int positions = (n1 - n0) * oh * ow;
        for (int c = 0; c < g.InChannels; c++)
        {
            for (int b = n0; b < n1; b++)
            {
                int dst0 = (c * n + b) * h * w;
                for (int ij = 0; ij < kk; ij++)
                {
                    int i = ij / g.KernelW, j = ij % g.KernelW;
                    var src = col.AsSpan((c * kk + ij) * positions + (b - n0) * oh * ow, oh * ow);
                    int lo = 0, hi = ow;
                    if (g.StrideW == 1)
                    {
                        lo = Math.Min(ow, Math.Max(0, g.PadLeft - j));
                        hi = Math.Max(lo, Math.Min(ow, w + g.PadLeft - j));
                    }
                    for (int y = 0; y < oh; y++)
                    {
                        int iy = y * g.StrideH + i - g.PadTop;
                        if ((uint)iy >= (uint)h)
                        {
                            continue;
                        }
                        var srow = src.Slice(y * ow, ow);
                        int drow = dst0 + iy * w;
                        if (g.StrideW == 1)
                        {
                            if (hi > lo)
                            {
                                var d = dx.AsSpan(drow + lo + j - g.PadLeft, hi - lo);
                                TensorPrimitives.Add(d, srow[lo..hi], d);
                            }
                        }
                        else
                        {
                            for (int xo = 0; xo < ow; xo++)
                            {
                                int ix = xo * g.StrideW + j - g.PadLeft;
                                if ((uint)ix < (uint)w)
                                {
                                    dx[drow + ix] += srow[xo];
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
