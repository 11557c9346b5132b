using System.Buffers;
using TruncEdge.Trainer.Tensors;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace TruncEdge.Trainer.Kernels;

/// <summary>
/// Convolution on feature-major tensors as im2col + GEMM. x: [Cin, N, H, W], w: [Cout, Cin/g,
/// KH, KW], y: [Cout, N, OH, OW], all row-major float arrays.
/// <para>
/// The batch is cut into chunks of whole images, sized so that a chunk's column matrix stays in
/// the L2 cache; chunks run in parallel, each with a serial GEMM per group. The weight gradient
/// sums per-chunk partial products in chunk order. Chunk sizes depend on the shapes only, so the
/// results do not depend on the thread count. A 1x1 stride-1 unpadded convolution needs no
/// columns and is one parallel GEMM. Depthwise convolutions go to <see cref="DepthwiseConv"/>.
/// </para>
/// </summary>
public static class ConvKernels
{
    /// <summary>Target size of one chunk's column matrix.</summary>
    private const int ChunkBytes = 192 * 1024;

    public static void Forward(ComputeContext ctx, ConvGeometry g, float[] x, float[] w, float[] y)
    {
        if (g.IsDepthwise)
        {
            DepthwiseConv.Forward(ctx, g, x, w, y);
            return;
        }
        int np = g.OutPositions, kg = g.PatchSize, cg = g.OutPerGroup;
        if (g.IsPointwise)
        {
            for (int gi = 0; gi < g.Groups; gi++)
            {
                Gemm.Multiply(ctx, cg, np, kg, MatrixView.RowMajor(w, kg, gi * cg * kg),
                    MatrixView.RowMajor(x, np, gi * kg * np), y, gi * cg * np, np, accumulate: false);
            }
            return;
        }
        int per = ImagesPerChunk(g);
        int chunks = (g.Batch + per - 1) / per;
        ctx.For(chunks, ci =>
        {
            int n0 = ci * per, n1 = Math.Min(g.Batch, n0 + per);
            int cols = (n1 - n0) * g.OutPlane;
            var col = ArrayPool<float>.Shared.Rent(g.Groups * kg * cols);
            try
            {
                Im2Col.Forward(g, x, n0, n1, col);
                for (int gi = 0; gi < g.Groups; gi++)
                {
                    Gemm.MultiplySerial(cg, cols, kg, MatrixView.RowMajor(w, kg, gi * cg * kg),
                        MatrixView.RowMajor(col, cols, gi * kg * cols), y, gi * cg * np + n0 * g.OutPlane, np, accumulate: false);
                }
            }
            finally
            {
                ArrayPool<float>.Shared.Return(col);
            }
        });
    }

    /// <summary>dw += dy * col(x)^T, as row-by-row dot products (<see cref="GemmNT"/>) over chunks
    /// of images whose partial sums are added in chunk order.</summary>
    public static void BackwardWeight(ComputeContext ctx, ConvGeometry g, float[] x, float[] dy, float[] dw)
    {
        if (g.IsDepthwise)
        {
            DepthwiseConv.BackwardWeight(ctx, g, x, dy, dw);
            return;
        }
        int np = g.OutPositions, kg = g.PatchSize, cg = g.OutPerGroup;
        // Long dot products (at least ~2048 positions per chunk) keep GemmNT efficient.
        int per = g.IsPointwise
            ? Math.Max(1, (g.Batch + 7) / 8)
            : Math.Clamp((2048 + g.OutPlane - 1) / g.OutPlane, 1, g.Batch);
        int chunks = (g.Batch + per - 1) / per;
        int wlen = g.OutChannels * kg;
        var partial = ArrayPool<float>.Shared.Rent(chunks * wlen);
        try
        {
            ctx.For(chunks, ci =>
            {
                int n0 = ci * per, n1 = Math.Min(g.Batch, n0 + per);
                int cols = (n1 - n0) * g.OutPlane;
                if (g.IsPointwise)
                {
                    // The columns are the input itself: row c is x[c, n0.., ...] with stride np.
                    for (int gi = 0; gi < g.Groups; gi++)
                    {
                        GemmNT.Multiply(null, cg, kg, cols, dy, gi * cg * np + n0 * g.OutPlane, np,
                            x, gi * kg * np + n0 * g.OutPlane, np, partial, ci * wlen + gi * cg * kg, kg, accumulate: false);
                    }
                    return;
                }
                var col = ArrayPool<float>.Shared.Rent(g.Groups * kg * cols);
                try
                {
                    Im2Col.Forward(g, x, n0, n1, col);
                    for (int gi = 0; gi < g.Groups; gi++)
                    {
                        GemmNT.Multiply(null, cg, kg, cols, dy, gi * cg * np + n0 * g.OutPlane, np,
                            col, gi * kg * cols, cols, partial, ci * wlen + gi * cg * kg, kg, accumulate: false);
                    }
                }
                finally
                {
                    ArrayPool<float>.Shared.Return(col);
                }
            });
            var dst = dw.AsSpan(0, wlen);
            for (int ci = 0; ci < chunks; ci++)
            {
                TensorPrimitives.Add(dst, partial.AsSpan(ci * wlen, wlen), dst);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(partial);
        }
    }

    /// <summary>dx = col2im(w^T * dy) (dx is overwritten).</summary>
    public static void BackwardData(ComputeContext ctx, ConvGeometry g, float[] w, float[] dy, float[] dx)
    {
        if (g.IsDepthwise)
        {
            DepthwiseConv.BackwardData(ctx, g, w, dy, dx);
            return;
        }
        int np = g.OutPositions, kg = g.PatchSize, cg = g.OutPerGroup;
        if (g.IsPointwise)
        {
            for (int gi = 0; gi < g.Groups; gi++)
            {
                Gemm.Multiply(ctx, kg, np, cg, new MatrixView(w, gi * cg * kg, 1, kg),
                    MatrixView.RowMajor(dy, np, gi * cg * np), dx, gi * kg * np, np, accumulate: false);
            }
            return;
        }
        int per = ImagesPerChunk(g);
        int chunks = (g.Batch + per - 1) / per;
        ctx.For(chunks, ci =>
        {
            int n0 = ci * per, n1 = Math.Min(g.Batch, n0 + per);
            int cols = (n1 - n0) * g.OutPlane;
            var dcol = ArrayPool<float>.Shared.Rent(g.Groups * kg * cols);
            try
            {
                for (int gi = 0; gi < g.Groups; gi++)
                {
                    Gemm.MultiplySerial(kg, cols, cg, new MatrixView(w, gi * cg * kg, 1, kg),
                        MatrixView.RowMajor(dy, np, gi * cg * np + n0 * g.OutPlane), dcol, gi * kg * cols, cols, accumulate: false);
                }
                for (int c = 0; c < g.InChannels; c++)
                {
                    dx.AsSpan((c * g.Batch + n0) * g.InPlane, (n1 - n0) * g.InPlane).Clear();
                }
                Im2Col.Backward(g, dcol, n0, n1, dx);
            }
            finally
            {
                ArrayPool<float>.Shared.Return(dcol);
            }
        });
    }

    private static int ImagesPerChunk(ConvGeometry g)
    {
        long bytesPerImage = (long)g.Groups * g.PatchSize * g.OutPlane * sizeof(float);
        return (int)Math.Clamp(ChunkBytes / Math.Max(1, bytesPerImage), 1, g.Batch);
    }
}
