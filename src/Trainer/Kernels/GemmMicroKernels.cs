using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace TruncEdge.Trainer.Kernels;

/// <summary>
/// Register-tiled GEMM micro-kernels: C[MR x NR] (+)= Apanel[MR x kc] * Bpanel[kc x NR], with
/// A packed as kc groups of MR values and B as kc groups of NR values. C is row-major with
/// leading dimension ldc. Each kernel keeps the whole C tile in registers for the k loop.
/// </summary>
internal static unsafe class GemmMicroKernels
{
    /// <summary>8 x 32 tile, 16 zmm accumulators (AVX-512 or any 512-bit SIMD).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Kernel512(int kc, float* a, float* b, float* c, int ldc, bool accumulate) =>
        Kernel512(kc, a, b, 32, c, ldc, accumulate);

    /// <summary>Same, with B read in place: row p of the 32-column panel starts at b + p * ldb.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Kernel512(int kc, float* a, float* b, int ldb, float* c, int ldc, bool accumulate)
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default;
        Vector512<float> c20 = default, c21 = default, c30 = default, c31 = default;
        Vector512<float> c40 = default, c41 = default, c50 = default, c51 = default;
        Vector512<float> c60 = default, c61 = default, c70 = default, c71 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + 16);
            var a0 = Vector512.Create(a[0]);
            c00 = Vector512.FusedMultiplyAdd(a0, b0, c00);
            c01 = Vector512.FusedMultiplyAdd(a0, b1, c01);
            var a1 = Vector512.Create(a[1]);
            c10 = Vector512.FusedMultiplyAdd(a1, b0, c10);
            c11 = Vector512.FusedMultiplyAdd(a1, b1, c11);
            var a2 = Vector512.Create(a[2]);
            c20 = Vector512.FusedMultiplyAdd(a2, b0, c20);
            c21 = Vector512.FusedMultiplyAdd(a2, b1, c21);
            var a3 = Vector512.Create(a[3]);
            c30 = Vector512.FusedMultiplyAdd(a3, b0, c30);
            c31 = Vector512.FusedMultiplyAdd(a3, b1, c31);
            var a4 = Vector512.Create(a[4]);
            c40 = Vector512.FusedMultiplyAdd(a4, b0, c40);
            c41 = Vector512.FusedMultiplyAdd(a4, b1, c41);
            var a5 = Vector512.Create(a[5]);
            c50 = Vector512.FusedMultiplyAdd(a5, b0, c50);
            c51 = Vector512.FusedMultiplyAdd(a5, b1, c51);
            var a6 = Vector512.Create(a[6]);
            c60 = Vector512.FusedMultiplyAdd(a6, b0, c60);
            c61 = Vector512.FusedMultiplyAdd(a6, b1, c61);
            var a7 = Vector512.Create(a[7]);
            c70 = Vector512.FusedMultiplyAdd(a7, b0, c70);
            c71 = Vector512.FusedMultiplyAdd(a7, b1, c71);
            a += 8;
            b += ldb;
        }
        Store512(c, accumulate, c00, c01);
        Store512(c + ldc, accumulate, c10, c11);
        Store512(c + 2 * ldc, accumulate, c20, c21);
        Store512(c + 3 * ldc, accumulate, c30, c31);
        Store512(c + 4 * ldc, accumulate, c40, c41);
        Store512(c + 5 * ldc, accumulate, c50, c51);
        Store512(c + 6 * ldc, accumulate, c60, c61);
        Store512(c + 7 * ldc, accumulate, c70, c71);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store512(float* row, bool accumulate, Vector512<float> v0, Vector512<float> v1)
    {
        if (accumulate)
        {
            v0 += Vector512.Load(row);
            v1 += Vector512.Load(row + 16);
        }
        v0.Store(row);
        v1.Store(row + 16);
    }

    /// <summary>6 x 16 tile, 12 ymm accumulators (AVX2 or any 256-bit SIMD).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Kernel256(int kc, float* a, float* b, float* c, int ldc, bool accumulate)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default;
        Vector256<float> c20 = default, c21 = default, c30 = default, c31 = default;
        Vector256<float> c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector256.Load(b);
            var b1 = Vector256.Load(b + 8);
            var a0 = Vector256.Create(a[0]);
            c00 = Vector256.FusedMultiplyAdd(a0, b0, c00);
            c01 = Vector256.FusedMultiplyAdd(a0, b1, c01);
            var a1 = Vector256.Create(a[1]);
            c10 = Vector256.FusedMultiplyAdd(a1, b0, c10);
            c11 = Vector256.FusedMultiplyAdd(a1, b1, c11);
            var a2 = Vector256.Create(a[2]);
            c20 = Vector256.FusedMultiplyAdd(a2, b0, c20);
            c21 = Vector256.FusedMultiplyAdd(a2, b1, c21);
            var a3 = Vector256.Create(a[3]);
            c30 = Vector256.FusedMultiplyAdd(a3, b0, c30);
            c31 = Vector256.FusedMultiplyAdd(a3, b1, c31);
            var a4 = Vector256.Create(a[4]);
            c40 = Vector256.FusedMultiplyAdd(a4, b0, c40);
            c41 = Vector256.FusedMultiplyAdd(a4, b1, c41);
            var a5 = Vector256.Create(a[5]);
            c50 = Vector256.FusedMultiplyAdd(a5, b0, c50);
            c51 = Vector256.FusedMultiplyAdd(a5, b1, c51);
            a += 6;
            b += 16;
        }
        Store256(c, accumulate, c00, c01);
        Store256(c + ldc, accumulate, c10, c11);
        Store256(c + 2 * ldc, accumulate, c20, c21);
        Store256(c + 3 * ldc, accumulate, c30, c31);
        Store256(c + 4 * ldc, accumulate, c40, c41);
        Store256(c + 5 * ldc, accumulate, c50, c51);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store256(float* row, bool accumulate, Vector256<float> v0, Vector256<float> v1)
    {
        if (accumulate)
        {
            v0 += Vector256.Load(row);
            v1 += Vector256.Load(row + 8);
        }
        v0.Store(row);
        v1.Store(row + 8);
    }

    /// <summary>4 x 8 tile in plain scalar code (no SIMD available).</summary>
    public static void KernelScalar(int kc, float* a, float* b, float* c, int ldc, bool accumulate)
    {
        const int mr = 4, nr = 8;
        float* acc = stackalloc float[mr * nr];
        for (int i = 0; i < mr * nr; i++)
        {
            acc[i] = 0f;
        }
        for (int p = 0; p < kc; p++)
        {
            for (int i = 0; i < mr; i++)
            {
                float ai = a[i];
                for (int j = 0; j < nr; j++)
                {
                    acc[i * nr + j] = MathF.FusedMultiplyAdd(ai, b[j], acc[i * nr + j]);
                }
            }
            a += mr;
            b += nr;
        }
        for (int i = 0; i < mr; i++)
        {
            for (int j = 0; j < nr; j++)
            {
                c[i * ldc + j] = accumulate ? c[i * ldc + j] + acc[i * nr + j] : acc[i * nr + j];
            }
        }
    }
}
