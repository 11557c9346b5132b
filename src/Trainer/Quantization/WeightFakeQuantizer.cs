using TruncEdge.Model.TruncQuant;

namespace TruncEdge.Trainer.Quantization;

/// <summary>
/// The weight quantizer of one Conv or Dense layer (TRUNCQUANT.md section 2) with its
/// straight-through backward. Codes come from <see cref="WeightCodes"/> (float64, the single
/// implementation the compiler also uses), so the codes trained with are the codes exported.
/// <list type="bullet">
/// <item>k-bit member: w = E * (2q/n - 1), q the k-bit code (the quantizer's own, or the 8-bit code
///   shifted, see <see cref="WeightDeployment"/>);</item>
/// <item>full precision: w = E * t / M;</item>
/// <item>a pinned layer (first and last of a model) always uses its 8-bit codes, whatever the member.</item>
/// </list>
/// Backward: the quantizer is the identity (w ~ E (2u - 1)); the gradient flows through
/// u = t/(2M) + 1/2, including M = max|t| (to its arg max), and through tanh; not through E.
/// </summary>
public sealed class WeightFakeQuantizer
{
    private readonly Parameter _latent;
    private NormalizedWeights? _norm;
    private long _normVersion = -1;
    private int _argMax;
    private readonly float[] _effective;

    public WeightFakeQuantizer(Parameter latent, WeightQuantizer kind, bool pinned)
    {
        _latent = latent;
        Kind = kind;
        Pinned = pinned;
        _effective = new float[latent.Length];
    }

    public WeightQuantizer Kind { get; }
    public bool Pinned { get; }

    /// <summary>The weight bit width a member actually runs this layer at (8 when pinned).</summary>
    public Precision Effective(Precision member) => Pinned ? Precision.Of(8) : member;

    /// <summary>E = mean |latent| as the quantizer uses it (float64).</summary>
    public double MeanAbs => Normalized().MeanAbs;

    /// <summary>The float weights the member computes with. The array is reused by the next call.</summary>
    public float[] Forward(Precision member, WeightDeployment deployment)
    {
        var norm = Normalized();
        var p = Effective(member);
        double e = norm.MeanAbs;
        var u = norm.U;
        if (p.IsFull)
        {
            for (int i = 0; i < u.Length; i++)
            {
                _effective[i] = (float)(e * (2 * u[i] - 1));
            }
            return _effective;
        }
        int k = p.Bits, n = (1 << k) - 1;
        bool truncate = deployment == WeightDeployment.Truncate && Kind != WeightQuantizer.TruncQuant && k < 8;
        // Levels E * s / n for s = -n, -n+2, ..., n, indexed by the code.
        Span<float> levels = stackalloc float[n + 1];
        for (int q = 0; q <= n; q++)
        {
            levels[q] = (float)(e * (2 * q - n) / n);
        }
        for (int i = 0; i < u.Length; i++)
        {
            int q = truncate
                ? WeightCodes.CodeAt(u[i], 8, Kind) >> (8 - k)
                : WeightCodes.CodeAt(u[i], k, Kind);
            _effective[i] = levels[q];
        }
        return _effective;
    }

    /// <summary>The 8-bit codes and E the forward pass uses, for export.</summary>
    public WeightCodeSet Codes8() => WeightCodes.Compute(_latent.Value, Kind);

    /// <summary>Adds d(loss)/d(latent) to the latent parameter's gradient, given d(loss)/d(w).</summary>
    public void Backward(ReadOnlySpan<float> dEffective)
    {
        var norm = Normalized();
        double m = norm.MaxAbsTanh, e = norm.MeanAbs;
        if (m == 0)
        {
            return;
        }
        var u = norm.U;
        var grad = _latent.Grad;
        double dM = 0;
        for (int i = 0; i < u.Length; i++)
        {
            double t = (u[i] - 0.5) * 2 * m;
            double du = 2 * e * dEffective[i];
            dM -= du * t / (2 * m * m);
            grad[i] += (float)(du / (2 * m) * (1 - t * t));
        }
        double tj = (u[_argMax] - 0.5) * 2 * m;
        grad[_argMax] += (float)(Math.Sign(tj) * dM * (1 - tj * tj));
    }

    private NormalizedWeights Normalized()
    {
        if (_norm is null || _normVersion != _latent.Version)
        {
            _norm = WeightCodes.Normalize(_latent.Value);
            _normVersion = _latent.Version;
            double best = -1;
            for (int i = 0; i < _norm.U.Length; i++)
            {
                double d = Math.Abs(_norm.U[i] - 0.5);
                if (d > best)
                {
                    best = d;
                    _argMax = i;
                }
            }
        }
        return _norm;
    }
}
