using TruncEdge.Trainer.Tensors;

namespace TruncEdge.Trainer.Tests;

internal static class TestUtil
{
    public static float[] Random(Rng rng, int n, double scale = 1.0)
    {
        var a = new float[n];
        for (int i = 0; i < n; i++)
        {
            a[i] = (float)((2 * rng.NextDouble() - 1) * scale);
        }
        return a;
    }

    public static double Dot(float[] a, float[] b, int n)
    {
        double s = 0;
        for (int i = 0; i < n; i++)
        {
            s += (double)a[i] * b[i];
        }
        return s;
    }

    /// <summary>Max |a - b| relative to max |b| (with a floor to avoid dividing by ~0).</summary>
    public static double RelativeError(double[] a, double[] b)
    {
        double num = 0, den = 1e-6;
        for (int i = 0; i < a.Length; i++)
        {
            num = Math.Max(num, Math.Abs(a[i] - b[i]));
            den = Math.Max(den, Math.Abs(b[i]));
        }
        return num / den;
    }

    /// <summary>
    /// Central finite differences of a scalar function f at the given coordinates of x:
    /// (f(x + h e_i) - f(x - h e_i)) / 2h, evaluated in double.
    /// </summary>
    public static double[] NumericGradient(float[] x, IReadOnlyList<int> coords, double h, Func<double> f)
    {
        var g = new double[coords.Count];
        for (int j = 0; j < coords.Count; j++)
        {
            int i = coords[j];
            float saved = x[i];
            x[i] = (float)(saved + h);
            double fp = f();
            x[i] = (float)(saved - h);
            double fm = f();
            x[i] = saved;
            g[j] = (fp - fm) / (2 * h);
        }
        return g;
    }

    /// <summary>Up to <paramref name="count"/> distinct coordinates in [0, n), spread out.</summary>
    public static int[] Coordinates(Rng rng, int n, int count) =>
        n <= count ? Enumerable.Range(0, n).ToArray() : rng.Permutation(n)[..count];
}
