using System.Buffers;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using TruncEdge.Trainer.Tensors;

namespace TruncEdge.Trainer.Kernels;

/// <summary>
/// Single-precision matrix multiply C[m x n] (+)= A[m x k] * B[k x n] with strided operands
/// (<see cref="MatrixView"/>) and a row-major C. Blocked in the BLIS style (k blocks of KC, A
/// blocks of MC rows, B blocks of NC columns, packed panels, register-tiled micro-kernels; a row-major B is
/// read in place on AVX-512), and parallel over (MC x NC) tiles of C. When C has few tiles but k is long (weight gradients
/// of convolutions), k is split into pieces whose partial products are summed in a fixed order.
/// The split depends only on the sizes, so the result is the same for any thread count.
/// </summary>
public static unsafe class Gemm
{
    private const int Kc = 256;

    public static void Multiply(ComputeContext ctx, int m, int n, int k, MatrixView a, MatrixView b,
        float[] c, int cOffset, int ldc, bool accumulate) =>
        Multiply(ctx, m, n, k, a, b, c, cOffset, ldc, accumulate, GemmIsaInfo.Best);

    /// <summary>The same product on the calling thread only (for callers that are already
    /// parallel over independent pieces).</summary>
    public static void MultiplySerial(int m, int n, int k, MatrixView a, MatrixView b,
        float[] c, int cOffset, int ldc, bool accumulate) =>
        Multiply(null, m, n, k, a, b, c, cOffset, ldc, accumulate, GemmIsaInfo.Best);

    internal static void Multiply(ComputeContext? ctx, int m, int n, int k, MatrixView a, MatrixView b,
        float[] c, int cOffset, int ldc, bool accumulate, GemmIsa isa)
    {
        Action<int, Action<int>> forEach = ctx is null ? Serial : ctx.For;
        if (m <= 0 || n <= 0)
        {
            return;
        }
        if (k <= 0)
        {
            if (!accumulate)
            {
                for (int i = 0; i < m; i++)
                {
                    c.AsSpan(cOffset + i * ldc, n).Clear();
                }
            }
            return;
        }
        int mr = GemmIsaInfo.Mr(isa), nr = GemmIsaInfo.Nr(isa);
        int mc = mr * 16, nc = nr * 16;
        int mt = (m + mc - 1) / mc, nt = (n + nc - 1) / nc;
        int tiles = mt * nt;
        int splits = SplitCount(tiles, k);
        if (splits == 1)
        {
            forEach(tiles, t =>
            {
                int im = t / nt, jn = t % nt;
                RunTile(isa, a, b, c, cOffset, ldc, im * mc, Math.Min(mc, m - im * mc), jn * nc, Math.Min(nc, n - jn * nc),
                    0, k, accumulate);
            });
            return;
        }

        // Split k: piece s computes a partial C into its own buffer; then the pieces are added
        // to C in order s = 0, 1, ... so the sum is independent of scheduling.
        int piece = (k + splits - 1) / splits;
        piece = (piece + Kc - 1) / Kc * Kc;
        splits = (k + piece - 1) / piece;
        var partial = ArrayPool<float>.Shared.Rent(splits * m * n);
        try
        {
            forEach(tiles * splits, t =>
            {
                int s = t / tiles, tile = t % tiles;
                int im = tile / nt, jn = tile % nt;
                int k0 = s * piece, k1 = Math.Min(k, k0 + piece);
                RunTile(isa, a, b, partial, s * m * n, n, im * mc, Math.Min(mc, m - im * mc), jn * nc, Math.Min(nc, n - jn * nc),
                    k0, k1, false);
            });
            forEach(m, i =>
            {
                var row = c.AsSpan(cOffset + i * ldc, n);
                if (!accumulate)
                {
                    partial.AsSpan(i * n, n).CopyTo(row);
                }
                else
                {
                    TensorPrimitives.Add(row, partial.AsSpan(i * n, n), row);
                }
                for (int s = 1; s < splits; s++)
                {
                    TensorPrimitives.Add(row, partial.AsSpan(s * m * n + i * n, n), row);
                }
            });
        }
        finally
        {
            ArrayPool<float>.Shared.Return(partial);
        }
    }

    private static void Serial(int count, Action<int> body)
    {
        for (int i = 0; i < count; i++)
        {
            body(i);
        }
    }

    private static int SplitCount(int tiles, int k)
    {
        if (tiles >= 8 || k < 4 * Kc)
        {
            return 1;
        }
        int wanted = (8 + tiles - 1) / tiles;
        return Math.Max(1, Math.Min(wanted, k / (2 * Kc)));
    }

    private static void RunTile(GemmIsa isa, MatrixView a, MatrixView b, float[] c, int cOffset, int ldc,
        int i0, int mc, int j0, int nc, int k0, int k1, bool accumulate)
    {
        int mr = GemmIsaInfo.Mr(isa), nr = GemmIsaInfo.Nr(isa);
        int mcPad = (mc + mr - 1) / mr * mr, ncPad = (nc + nr - 1) / nr * nr;
        int kcMax = Math.Min(Kc, k1 - k0);
        bool directB = isa == GemmIsa.Vector512 && b.ColStride == 1;
        var aBuf = ArrayPool<float>.Shared.Rent(mcPad * kcMax + 16);
        var bBuf = ArrayPool<float>.Shared.Rent(ncPad * kcMax + 16);
        try
        {
            fixed (float* pa = a.Array, pb = b.Array, pc = c, ap0 = aBuf, bp0 = bBuf)
            {
                float* tile = stackalloc float[mr * nr];
                // 64-byte aligned panel starts help the vector loads.
                float* ap = Align(ap0);
                float* bp = Align(bp0);
                for (int p0 = k0; p0 < k1; p0 += Kc)
                {
                    int kc = Math.Min(Kc, k1 - p0);
                    bool acc = accumulate || p0 > k0;
                    GemmPacking.PackA(a, pa, i0, mc, p0, kc, ap, mr);
                    // A row-major B is read in place by the micro-kernel (full 32-column panels): the
                    // rows of one panel stay in L1 across the row panels of A, so copying it first
                    // only adds memory traffic. Partial panels at the right edge are packed.
                    bool direct = directB;
                    if (!direct)
                    {
                        GemmPacking.PackB(b, pb, p0, kc, j0, nc, bp, nr);
                    }
                    for (int jr = 0; jr < nc; jr += nr)
                    {
                        int cols = Math.Min(nr, nc - jr);
                        float* bPanel = bp + (long)jr * kc;
                        if (direct && cols == nr)
                        {
                            float* bSrc = pb + b.Offset + (long)p0 * b.RowStride + j0 + jr;
                            for (int ir = 0; ir < mc; ir += mr)
                            {
                                int rows = Math.Min(mr, mc - ir);
                                float* aPanel = ap + (long)ir * kc;
                                float* cTile = pc + cOffset + (long)(i0 + ir) * ldc + j0 + jr;
                                if (rows == mr)
                                {
                                    GemmMicroKernels.Kernel512(kc, aPanel, bSrc, b.RowStride, cTile, ldc, acc);
                                }
                                else
                                {
                                    GemmMicroKernels.Kernel512(kc, aPanel, bSrc, b.RowStride, tile, nr, false);
                                    AddTile(tile, nr, cTile, ldc, rows, cols, acc);
                                }
                            }
                            continue;
                        }
                        if (direct)
                        {
                            GemmPacking.PackB(b, pb, p0, kc, j0 + jr, cols, bPanel, nr);
                        }
                        for (int ir = 0; ir < mc; ir += mr)
                        {
                            int rows = Math.Min(mr, mc - ir);
                            float* aPanel = ap + (long)ir * kc;
                            float* cTile = pc + cOffset + (long)(i0 + ir) * ldc + j0 + jr;
                            if (rows == mr && cols == nr)
                            {
                                Kernel(isa, kc, aPanel, bPanel, cTile, ldc, acc);
                            }
                            else
                            {
                                Kernel(isa, kc, aPanel, bPanel, tile, nr, false);
                                AddTile(tile, nr, cTile, ldc, rows, cols, acc);
                            }
                        }
                    }
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(aBuf);
            ArrayPool<float>.Shared.Return(bBuf);
        }
    }

    private static void AddTile(float* tile, int nr, float* c, int ldc, int rows, int cols, bool accumulate)
    {
        for (int i = 0; i < rows; i++)
        {
            float* cr = c + (long)i * ldc;
            float* tr = tile + i * nr;
            for (int j = 0; j < cols; j++)
            {
                cr[j] = accumulate ? cr[j] + tr[j] : tr[j];
            }
        }
    }

    private static float* Align(float* p) => (float*)(((nint)p + 63) & ~(nint)63);

    private static void Kernel(GemmIsa isa, int kc, float* a, float* b, float* c, int ldc, bool acc)
    {
        switch (isa)
        {
            case GemmIsa.Vector512:
                GemmMicroKernels.Kernel512(kc, a, b, c, ldc, acc);
                break;
            case GemmIsa.Vector256:
                GemmMicroKernels.Kernel256(kc, a, b, c, ldc, acc);
                break;
            default:
                GemmMicroKernels.KernelScalar(kc, a, b, c, ldc, acc);
                break;
        }
    }
}
