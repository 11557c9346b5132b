using TruncEdge.Trainer.Kernels;
using TruncEdge.Trainer.Tensors;

namespace TruncEdge.Trainer.Tests;

public class GemmTests
{
    public static TheoryData<int, int, int, bool, bool> Shapes => new()
    {
        { 1, 1, 1, false, false },
        { 7, 5, 3, false, false },
        { 8, 32, 256, false, false },
        { 9, 33, 257, true, false },
        { 17, 70, 300, false, true },
        { 130, 513, 31, true, true },
        { 16, 40, 5000, false, true },
        { 3, 1000, 2, false, false },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void MatchesDoubleReference_AllIsasAndAccumulate(int m, int n, int k, bool ta, bool tb)
    {
        var rng = new Rng((ulong)(m * 1000003 + n * 1009 + k));
        var a = TestUtil.Random(rng, m * k);
        var b = TestUtil.Random(rng, k * n);
        var c0 = TestUtil.Random(rng, m * n);
        var av = ta ? MatrixView.RowMajor(a, m).Transposed : MatrixView.RowMajor(a, k);
        var bv = tb ? MatrixView.RowMajor(b, k).Transposed : MatrixView.RowMajor(b, n);
        var expected = new double[m * n];
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int p = 0; p < k; p++)
                {
                    s += (double)a[av.Offset + i * av.RowStride + p * av.ColStride] * b[bv.Offset + p * bv.RowStride + j * bv.ColStride];
                }
                expected[i * n + j] = s;
            }
        }
        foreach (var isa in new[] { GemmIsa.Scalar, GemmIsa.Vector256, GemmIsa.Vector512 })
        {
            foreach (bool accumulate in new[] { false, true })
            {
                var c = (float[])c0.Clone();
                Gemm.Multiply(new ComputeContext(2), m, n, k, av, bv, c, 0, n, accumulate, isa);
                double tol = 1e-5 * Math.Sqrt(k) + 1e-6;
                for (int i = 0; i < m * n; i++)
                {
                    double want = expected[i] + (accumulate ? c0[i] : 0);
                    Assert.True(Math.Abs(c[i] - want) <= tol * (1 + Math.Abs(want)),
                        $"{isa} acc={accumulate} element {i}: {c[i]} vs {want}");
                }
            }
        }
    }

    [Fact]
    public void ResultDoesNotDependOnThreadCount()
    {
        var rng = new Rng(5);
        int m = 16, n = 144, k = 40000; // k split path
        var a = TestUtil.Random(rng, m * k);
        var b = TestUtil.Random(rng, n * k);
        var c1 = new float[m * n];
        var c2 = new float[m * n];
        Gemm.Multiply(new ComputeContext(1), m, n, k, MatrixView.RowMajor(a, k), MatrixView.RowMajor(b, k).Transposed, c1, 0, n, false);
        Gemm.Multiply(new ComputeContext(2), m, n, k, MatrixView.RowMajor(a, k), MatrixView.RowMajor(b, k).Transposed, c2, 0, n, false);
        Assert.Equal(c1, c2);
    }

    [Fact]
    public void WritesIntoOffsetAndLeadingDimension()
    {
        var rng = new Rng(9);
        int m = 5, n = 7, k = 3, ldc = 11, off = 4;
        var a = TestUtil.Random(rng, m * k);
        var b = TestUtil.Random(rng, k * n);
        var c = new float[off + m * ldc];
        Array.Fill(c, 42f);
        Gemm.Multiply(new ComputeContext(1), m, n, k, MatrixView.RowMajor(a, k), MatrixView.RowMajor(b, n), c, off, ldc, false);
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < ldc; j++)
            {
                float v = c[off + i * ldc + j];
                if (j >= n)
                {
                    Assert.Equal(42f, v);
                }
                else
                {
                    double s = 0;
                    for (int p = 0; p < k; p++)
                    {
                        s += a[i * k + p] * b[p * n + j];
                    }
                    Assert.True(Math.Abs(s - v) < 1e-5, $"{s} vs {v}");
                }
            }
        }
        Assert.Equal(42f, c[0]);
    }
}

public class GemmNTTests
{
    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(4, 4, 16)]
    [InlineData(5, 7, 33)]
    [InlineData(16, 144, 2500)]
    [InlineData(9, 3, 4100)]
    public void MatchesDoubleReference(int m, int n, int k)
    {
        var rng = new Rng((ulong)(m * 31 + n * 7 + k));
        int lda = k + 3, ldb = k + 5, ldc = n + 2;
        var a = TestUtil.Random(rng, m * lda);
        var b = TestUtil.Random(rng, n * ldb);
        foreach (bool accumulate in new[] { false, true })
        {
            var c = TestUtil.Random(rng, m * ldc);
            var c0 = (float[])c.Clone();
            GemmNT.Multiply(new ComputeContext(2), m, n, k, a, 0, lda, b, 0, ldb, c, 0, ldc, accumulate);
            for (int i = 0; i < m; i++)
            {
                for (int j = 0; j < ldc; j++)
                {
                    if (j >= n)
                    {
                        Assert.Equal(c0[i * ldc + j], c[i * ldc + j]);
                        continue;
                    }
                    double s = accumulate ? c0[i * ldc + j] : 0;
                    for (int p = 0; p < k; p++)
                    {
                        s += (double)a[i * lda + p] * b[j * ldb + p];
                    }
                    Assert.True(Math.Abs(s - c[i * ldc + j]) < 1e-5 * Math.Sqrt(k) * (1 + Math.Abs(s)), $"({i},{j}): {c[i * ldc + j]} vs {s}");
                }
            }
        }
    }
}
