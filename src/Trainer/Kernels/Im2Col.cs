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
        if (IsShiftable(g))
        {
            ShiftForward(g, x, n0, n1, col);
            return;
        }
        if (IsParitySplittable(g))
        {
            ParityForward(g, x, n0, n1, col);
            return;
        }
        int kk = g.KernelH * g.KernelW;
        int rows = g.InChannels * kk;
        int oh = g.OutHeight, ow = g.OutWidth, h = g.Height, w = g.Width, n = g.Batch;
        int positions = (n1 - n0) * oh * ow;
        for (int r = 0; r < rows; r++)
        {
            int c = r / kk, i = r % kk / g.KernelW, j = r % g.KernelW;
            var dst = col.AsSpan(r * positions, positions);
            var (lo, hi, off) = ColumnRange(g, j);
            for (int b = n0; b < n1; b++)
            {
                int src0 = (c * n + b) * h * w;
                for (int y = 0; y < oh; y++)
                {
                    int iy = y * g.StrideH + i - g.PadTop;
                    var drow = dst.Slice(((b - n0) * oh + y) * ow, ow);
                    if ((uint)iy >= (uint)h || hi <= lo)
                    {
                        drow.Clear();
                        continue;
                    }
                    int srow = src0 + iy * w + off;
                    if (g.StrideW == 1)
                    {
                        drow[..lo].Clear();
                        x.AsSpan(srow + lo, hi - lo).CopyTo(drow[lo..hi]);
                        drow[hi..].Clear();
                    }
                    else
                    {
                        StridedRow(x, srow, g.StrideW, drow, lo, hi);
                    }
                }
            }
        }
    }

    /// <summary>dst[xo] = x[src + xo * stride] for xo in [lo, hi), zero elsewhere in dst.</summary>
    private static unsafe void StridedRow(float[] x, int src, int stride, Span<float> dst, int lo, int hi)
    {
        fixed (float* px = x, pd = dst)
        {
            int xo = 0;
            for (; xo < lo; xo++)
            {
                pd[xo] = 0f;
            }
            float* ps = px + src;
            for (; xo < hi; xo++)
            {
                pd[xo] = ps[xo * stride];
            }
            for (; xo < dst.Length; xo++)
            {
                pd[xo] = 0f;
            }
        }
    }

    /// <summary>For kernel column j: output columns [lo, hi) read input columns xo * StrideW + off,
    /// all inside the image (off = j - PadLeft).</summary>
    private static (int Lo, int Hi, int Off) ColumnRange(ConvGeometry g, int j)
    {
        int off = j - g.PadLeft, sw = g.StrideW, ow = g.OutWidth;
        int lo = off >= 0 ? 0 : (-off + sw - 1) / sw;
        int last = g.Width - 1 - off;
        int hi = last < 0 ? 0 : Math.Min(ow, last / sw + 1);
        lo = Math.Min(lo, ow);
        return (lo, Math.Max(lo, hi), off);
    }

    /// <summary>dx[c, n, ih, iw] += the column entries that read it, for images [n0, n1).</summary>
    public static void Backward(ConvGeometry g, float[] col, int n0, int n1, float[] dx)
    {
        if (IsShiftable(g))
        {
            ShiftBackward(g, col, n0, n1, dx);
            return;
        }
        if (IsParitySplittable(g))
        {
            ParityBackward(g, col, n0, n1, dx);
            return;
        }
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
                    var (lo, hi, off) = ColumnRange(g, j);
                    if (hi <= lo)
                    {
                        continue;
                    }
                    for (int y = 0; y < oh; y++)
                    {
                        int iy = y * g.StrideH + i - g.PadTop;
                        if ((uint)iy >= (uint)h)
                        {
                            continue;
                        }
                        var srow = src.Slice(y * ow, ow);
                        int drow = dst0 + iy * w + off;
                        if (g.StrideW == 1)
                        {
                            var d = dx.AsSpan(drow + lo, hi - lo);
                            TensorPrimitives.Add(d, srow[lo..hi], d);
                        }
                        else
                        {
                            int sw = g.StrideW;
                            for (int xo = lo; xo < hi; xo++)
                            {
                                dx[drow + xo * sw] += srow[xo];
                            }
                        }
                    }
                }
            }
        }
    }

    /// <summary>Stride 1 with an output as large as the input ("same" padding): row (c, i, j) of
    /// the columns is the channel's [images, H, W] block shifted by (i - PadTop) * W + (j - PadLeft)
    /// elements, with the positions that read padding set to zero. One long copy per row instead
    /// of one short copy per image row.</summary>
    private static bool IsShiftable(ConvGeometry g) =>
        g.StrideH == 1 && g.StrideW == 1 && g.OutHeight == g.Height && g.OutWidth == g.Width;

    private static void ShiftForward(ConvGeometry g, float[] x, int n0, int n1, float[] col)
    {
        int kk = g.KernelH * g.KernelW, hw = g.InPlane, len = (n1 - n0) * hw;
        for (int r = 0; r < g.InChannels * kk; r++)
        {
            int c = r / kk, di = r % kk / g.KernelW - g.PadTop, dj = r % g.KernelW - g.PadLeft;
            int delta = di * g.Width + dj;
            var dst = col.AsSpan(r * len, len);
            int src0 = (c * g.Batch + n0) * hw;
            int lo = Math.Min(len, Math.Max(0, -delta)), hi = Math.Max(lo, Math.Min(len, len - delta));
            dst[..lo].Clear();
            if (hi > lo)
            {
                x.AsSpan(src0 + lo + delta, hi - lo).CopyTo(dst[lo..hi]);
            }
            dst[hi..].Clear();
            ZeroPadded(g.Height, g.Width, dst, n1 - n0, di, dj);
        }
    }

    private static void ShiftBackward(ConvGeometry g, float[] col, int n0, int n1, float[] dx)
    {
        int kk = g.KernelH * g.KernelW, hw = g.InPlane, len = (n1 - n0) * hw;
        for (int r = 0; r < g.InChannels * kk; r++)
        {
            int c = r / kk, di = r % kk / g.KernelW - g.PadTop, dj = r % g.KernelW - g.PadLeft;
            int delta = di * g.Width + dj;
            var src = col.AsSpan(r * len, len);
            ZeroPadded(g.Height, g.Width, src, n1 - n0, di, dj);
            int dst0 = (c * g.Batch + n0) * hw;
            int lo = Math.Min(len, Math.Max(0, -delta)), hi = Math.Max(lo, Math.Min(len, len - delta));
            if (hi > lo)
            {
                var d = dx.AsSpan(dst0 + lo + delta, hi - lo);
                TensorPrimitives.Add(d, src[lo..hi], d);
            }
        }
    }

    /// <summary>Zeroes the positions (image, y, x) of a shifted block whose source (y + di, x + dj)
    /// lies outside the image.</summary>
    internal static void ZeroPadded(int h, int w, Span<float> block, int images, int di, int dj)
    {
        for (int b = 0; b < images; b++)
        {
            var img = block.Slice(b * h * w, h * w);
            for (int y = 0; y < h; y++)
            {
                int sy = y + di;
                var row = img.Slice(y * w, w);
                if ((uint)sy >= (uint)h)
                {
                    row.Clear();
                }
                else if (dj > 0)
                {
                    row[Math.Max(0, w - dj)..].Clear();
                }
                else if (dj < 0)
                {
                    row[..Math.Min(w, -dj)].Clear();
                }
            }
        }
    }

    /// <summary>Stride 2 on an even-sized input with an output half its size (e.g. 3x3 with
    /// padding 1; a 1x1 kernel reads one plane only and keeps the plain path): split the input into its four parity planes x[2y + p, 2x + q]; tap (i, j) then
    /// reads one plane shifted by ((i - PadTop) >> 1, (j - PadLeft) >> 1), a "same"-size shift
    /// handled like <see cref="IsShiftable"/>: one long copy per row instead of strided gathers.</summary>
    private static bool IsParitySplittable(ConvGeometry g) =>
        g.StrideH == 2 && g.StrideW == 2 && g.KernelH * g.KernelW > 1 && g.Height % 2 == 0 && g.Width % 2 == 0
        && g.OutHeight == g.Height / 2 && g.OutWidth == g.Width / 2;

    private static void ParityForward(ConvGeometry g, float[] x, int n0, int n1, float[] col)
    {
        int kk = g.KernelH * g.KernelW, hp = g.Height / 2, wp = g.Width / 2, images = n1 - n0;
        int len = images * hp * wp;
        var planes = System.Buffers.ArrayPool<float>.Shared.Rent(g.InChannels * 4 * len);
        try
        {
            // planes[(c * 4 + p * 2 + q) * len + (b - n0) * hp * wp + y * wp + x] = x[c, b, 2y + p, 2x + q]
            for (int c = 0; c < g.InChannels; c++)
            {
                for (int b = n0; b < n1; b++)
                {
                    int src = (c * g.Batch + b) * g.InPlane;
                    for (int y = 0; y < g.Height; y++)
                    {
                        int p = y & 1, dst = (c * 4 + p * 2) * len + (b - n0) * hp * wp + (y >> 1) * wp;
                        int row = src + y * g.Width;
                        for (int xx = 0; xx < wp; xx++)
                        {
                            planes[dst + xx] = x[row + 2 * xx];
                            planes[dst + len + xx] = x[row + 2 * xx + 1];
                        }
                    }
                }
            }
            for (int r = 0; r < g.InChannels * kk; r++)
            {
                int c = r / kk, a = r % kk / g.KernelW - g.PadTop, e = r % g.KernelW - g.PadLeft;
                int di = a >> 1, dj = e >> 1;
                int plane = (c * 4 + (a & 1) * 2 + (e & 1)) * len;
                int delta = di * wp + dj;
                var dst = col.AsSpan(r * len, len);
                int lo = Math.Min(len, Math.Max(0, -delta)), hi = Math.Max(lo, Math.Min(len, len - delta));
                dst[..lo].Clear();
                if (hi > lo)
                {
                    planes.AsSpan(plane + lo + delta, hi - lo).CopyTo(dst[lo..hi]);
                }
                dst[hi..].Clear();
                ZeroPadded(hp, wp, dst, images, di, dj);
            }
        }
        finally
        {
            System.Buffers.ArrayPool<float>.Shared.Return(planes);
        }
    }

    private static void ParityBackward(ConvGeometry g, float[] col, int n0, int n1, float[] dx)
    {
        int kk = g.KernelH * g.KernelW, hp = g.Height / 2, wp = g.Width / 2, images = n1 - n0;
        int len = images * hp * wp;
        var planes = System.Buffers.ArrayPool<float>.Shared.Rent(g.InChannels * 4 * len);
        try
        {
            planes.AsSpan(0, g.InChannels * 4 * len).Clear();
            for (int r = 0; r < g.InChannels * kk; r++)
            {
                int c = r / kk, a = r % kk / g.KernelW - g.PadTop, e = r % g.KernelW - g.PadLeft;
                int di = a >> 1, dj = e >> 1;
                int plane = (c * 4 + (a & 1) * 2 + (e & 1)) * len;
                int delta = di * wp + dj;
                var src = col.AsSpan(r * len, len);
                ZeroPadded(hp, wp, src, images, di, dj);
                int lo = Math.Min(len, Math.Max(0, -delta)), hi = Math.Max(lo, Math.Min(len, len - delta));
                if (hi > lo)
                {
                    var d = planes.AsSpan(plane + lo + delta, hi - lo);
                    TensorPrimitives.Add(d, src[lo..hi], d);
                }
            }
            for (int c = 0; c < g.InChannels; c++)
            {
                for (int b = n0; b < n1; b++)
                {
                    int dst = (c * g.Batch + b) * g.InPlane;
                    for (int y = 0; y < g.Height; y++)
                    {
                        int p = y & 1, src = (c * 4 + p * 2) * len + (b - n0) * hp * wp + (y >> 1) * wp;
                        int row = dst + y * g.Width;
                        for (int xx = 0; xx < wp; xx++)
                        {
                            dx[row + 2 * xx] += planes[src + xx];
                            dx[row + 2 * xx + 1] += planes[src + len + xx];
                        }
                    }
                }
            }
        }
        finally
        {
            System.Buffers.ArrayPool<float>.Shared.Return(planes);
        }
    }
}
