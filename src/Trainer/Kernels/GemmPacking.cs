namespace TruncEdge.Trainer.Kernels;

/// <summary>
/// Copies GEMM operand blocks into the panel layout the micro-kernels read: A as panels of MR
/// rows (for each k, MR consecutive values), B as panels of NR columns (for each k, NR
/// consecutive values). Rows or columns past the matrix edge are zero, so micro-kernels never
/// branch. The loop order follows whichever stride of the source is 1.
/// </summary>
internal static unsafe class GemmPacking
{
    public static void PackA(MatrixView a, float* src, int i0, int mc, int p0, int kc, float* dst, int mr)
    {
        int rs = a.RowStride, cs = a.ColStride;
        for (int ip = 0; ip < mc; ip += mr)
        {
            int rows = Math.Min(mr, mc - ip);
            float* d = dst + (long)ip * kc;
            float* s0 = src + a.Offset + (long)(i0 + ip) * rs + (long)p0 * cs;
            if (rs == 1)
            {
                for (int p = 0; p < kc; p++)
                {
                    float* s = s0 + (long)p * cs;
                    float* dp = d + p * mr;
                    int i = 0;
                    for (; i < rows; i++)
                    {
                        dp[i] = s[i];
                    }
                    for (; i < mr; i++)
                    {
                        dp[i] = 0f;
                    }
                }
            }
            else
            {
                for (int i = 0; i < rows; i++)
                {
                    float* s = s0 + (long)i * rs;
                    float* dp = d + i;
                    if (cs == 1)
                    {
                        for (int p = 0; p < kc; p++)
                        {
                            dp[p * mr] = s[p];
                        }
                    }
                    else
                    {
                        for (int p = 0; p < kc; p++)
                        {
                            dp[p * mr] = s[(long)p * cs];
                        }
                    }
                }
                for (int i = rows; i < mr; i++)
                {
                    for (int p = 0; p < kc; p++)
                    {
                        d[p * mr + i] = 0f;
                    }
                }
            }
        }
    }

    public static void PackB(MatrixView b, float* src, int p0, int kc, int j0, int nc, float* dst, int nr)
    {
        int rs = b.RowStride, cs = b.ColStride;
        for (int jp = 0; jp < nc; jp += nr)
        {
            int cols = Math.Min(nr, nc - jp);
            float* d = dst + (long)jp * kc;
            float* s0 = src + b.Offset + (long)p0 * rs + (long)(j0 + jp) * cs;
            if (cs == 1)
            {
                long bytes = cols * sizeof(float);
                for (int p = 0; p < kc; p++)
                {
                    float* s = s0 + (long)p * rs;
                    float* dp = d + p * nr;
                    System.Buffer.MemoryCopy(s, dp, bytes, bytes);
                    for (int j = cols; j < nr; j++)
                    {
                        dp[j] = 0f;
                    }
                }
            }
            else
            {
                for (int j = 0; j < cols; j++)
                {
                    float* s = s0 + (long)j * cs;
                    float* dp = d + j;
                    if (rs == 1)
                    {
                        for (int p = 0; p < kc; p++)
                        {
                            dp[p * nr] = s[p];
                        }
                    }
                    else
                    {
                        for (int p = 0; p < kc; p++)
                        {
                            dp[p * nr] = s[(long)p * rs];
                        }
                    }
                }
                for (int j = cols; j < nr; j++)
                {
                    for (int p = 0; p < kc; p++)
                    {
                        d[p * nr + j] = 0f;
                    }
                }
            }
        }
    }
}
