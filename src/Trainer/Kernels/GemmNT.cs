using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using TruncEdge.Trainer.Tensors;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace TruncEdge.Trainer.Kernels;

/// <summary>
/// C[m x n] (+)= A[m x k] * B[n x k]^T where the rows of A and B are contiguous along k: every
/// element of C is a dot product of two rows. This is the shape of every weight gradient
/// (dW = dy * x^T with positions or samples along k), and it needs no packing: a 4 x 4 block of C
/// is 16 vector accumulators fed by 4 + 4 row loads. k is processed in blocks so the rows stay in
/// L1; the summation order is fixed, so results do not depend on threads.
/// </summary>
public static unsafe class GemmNT
{
    private const int KBlock = 512;

    /// <summary>Parallel over blocks of 4 rows of C (when <paramref name="ctx"/> is given).</summary>
    public static void Multiply(ComputeContext? ctx, int m, int n, int k, float[] a, int aOffset, int lda,
        float[] b, int bOffset, int ldb, float[] c, int cOffset, int ldc, bool accumulate)
    {
        int blocks = (m + 3) / 4;
        if (ctx is null || blocks == 1 || (long)m * n * k < 1 << 18)
        {
            Rows(0, m, n, k, a, aOffset, lda, b, bOffset, ldb, c, cOffset, ldc, accumulate);
            return;
        }
        ctx.ForRange(blocks, 1, (b0, b1) =>
            Rows(b0 * 4, Math.Min(m, b1 * 4), n, k, a, aOffset, lda, b, bOffset, ldb, c, cOffset, ldc, accumulate));
    }

    private static void Rows(int i0, int i1, int n, int k, float[] a, int aOffset, int lda,
        float[] b, int bOffset, int ldb, float[] c, int cOffset, int ldc, bool accumulate)
    {
        if (!accumulate)
        {
            for (int i = i0; i < i1; i++)
            {
                c.AsSpan(cOffset + i * ldc, n).Clear();
            }
        }
        fixed (float* pa = a, pb = b, pc = c)
        {
            for (int p0 = 0; p0 < k; p0 += KBlock)
            {
                int kb = Math.Min(KBlock, k - p0);
                // Four rows of B stay in L1 while the rows of A stream past them from L2.
                for (int j = 0; j < n; j += 4)
                {
                    int cols = Math.Min(4, n - j);
                    float* bj = pb + bOffset + (long)j * ldb + p0;
                    for (int i = i0; i < i1; i += 4)
                    {
                        int rows = Math.Min(4, i1 - i);
                        float* ai = pa + aOffset + (long)i * lda + p0;
                        float* cij = pc + cOffset + (long)i * ldc + j;
                        if (rows == 4 && cols == 4 && Vector512.IsHardwareAccelerated)
                        {
                            Kernel4x4(kb, ai, lda, bj, ldb, cij, ldc);
                        }
                        else
                        {
                            for (int r = 0; r < rows; r++)
                            {
                                for (int s = 0; s < cols; s++)
                                {
                                    cij[r * ldc + s] += TensorPrimitives.Dot(
                                        new ReadOnlySpan<float>(ai + (long)r * lda, kb), new ReadOnlySpan<float>(bj + (long)s * ldb, kb));
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel4x4(int k, float* a, int lda, float* b, int ldb, float* c, int ldc)
    {
        Vector512<float> c00 = default, c01 = default, c02 = default, c03 = default;
        Vector512<float> c10 = default, c11 = default, c12 = default, c13 = default;
        Vector512<float> c20 = default, c21 = default, c22 = default, c23 = default;
        Vector512<float> c30 = default, c31 = default, c32 = default, c33 = default;
        float* a0 = a, a1 = a + lda, a2 = a + 2L * lda, a3 = a + 3L * lda;
        float* b0 = b, b1 = b + ldb, b2 = b + 2L * ldb, b3 = b + 3L * ldb;
        int p = 0;
        for (; p <= k - 16; p += 16)
        {
            var va0 = Vector512.Load(a0 + p);
            var va1 = Vector512.Load(a1 + p);
            var va2 = Vector512.Load(a2 + p);
            var va3 = Vector512.Load(a3 + p);
            var vb = Vector512.Load(b0 + p);
            c00 = Vector512.FusedMultiplyAdd(va0, vb, c00);
            c10 = Vector512.FusedMultiplyAdd(va1, vb, c10);
            c20 = Vector512.FusedMultiplyAdd(va2, vb, c20);
            c30 = Vector512.FusedMultiplyAdd(va3, vb, c30);
            vb = Vector512.Load(b1 + p);
            c01 = Vector512.FusedMultiplyAdd(va0, vb, c01);
            c11 = Vector512.FusedMultiplyAdd(va1, vb, c11);
            c21 = Vector512.FusedMultiplyAdd(va2, vb, c21);
            c31 = Vector512.FusedMultiplyAdd(va3, vb, c31);
            vb = Vector512.Load(b2 + p);
            c02 = Vector512.FusedMultiplyAdd(va0, vb, c02);
            c12 = Vector512.FusedMultiplyAdd(va1, vb, c12);
            c22 = Vector512.FusedMultiplyAdd(va2, vb, c22);
            c32 = Vector512.FusedMultiplyAdd(va3, vb, c32);
            vb = Vector512.Load(b3 + p);
            c03 = Vector512.FusedMultiplyAdd(va0, vb, c03);
            c13 = Vector512.FusedMultiplyAdd(va1, vb, c13);
            c23 = Vector512.FusedMultiplyAdd(va2, vb, c23);
            c33 = Vector512.FusedMultiplyAdd(va3, vb, c33);
        }
        Span<float> t = stackalloc float[16];
        t.Clear();
        for (; p < k; p++)
        {
            for (int r = 0; r < 4; r++)
            {
                float av = a[r * (long)lda + p];
                for (int s = 0; s < 4; s++)
                {
                    t[r * 4 + s] += av * b[s * (long)ldb + p];
                }
            }
        }
        c[0] += Vector512.Sum(c00) + t[0];
        c[1] += Vector512.Sum(c01) + t[1];
        c[2] += Vector512.Sum(c02) + t[2];
        c[3] += Vector512.Sum(c03) + t[3];
        c[ldc] += Vector512.Sum(c10) + t[4];
        c[ldc + 1] += Vector512.Sum(c11) + t[5];
        c[ldc + 2] += Vector512.Sum(c12) + t[6];
        c[ldc + 3] += Vector512.Sum(c13) + t[7];
        c[2 * ldc] += Vector512.Sum(c20) + t[8];
        c[2 * ldc + 1] += Vector512.Sum(c21) + t[9];
        c[2 * ldc + 2] += Vector512.Sum(c22) + t[10];
        c[2 * ldc + 3] += Vector512.Sum(c23) + t[11];
        c[3 * ldc] += Vector512.Sum(c30) + t[12];
        c[3 * ldc + 1] += Vector512.Sum(c31) + t[13];
        c[3 * ldc + 2] += Vector512.Sum(c32) + t[14];
        c[3 * ldc + 3] += Vector512.Sum(c33) + t[15];
    }
}
