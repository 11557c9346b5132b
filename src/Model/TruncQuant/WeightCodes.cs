namespace TruncEdge.Model.TruncQuant;

/// <summary>
/// The one implementation of TRUNCQUANT.md section 2 (weights). Everything is float64 and
/// scalar, in element order, so the result depends only on the input floats and on Math.Tanh.
///
/// <code>
/// E = mean(|x|)           summed in float64 in element order, divided by the count
/// t = tanh(x)             Math.Tanh on the float64 value of x
/// M = max(|t|)
/// u = t / (2M) + 1/2      u = 1/2 for every element when M = 0 (an all-zero tensor)
/// truncquant: q = min(floor(u * 2^k), 2^k - 1)
/// round:      q = round(u * (2^k - 1)), ties away from zero (u*n &gt;= 0, so: ties up)
/// </code>
///
/// Why the choices:
/// * An all-zero tensor has M = 0 and no direction; u = 1/2 gives the truncquant code 128
///   (k-bit code 2^(k-1), level +1), and since E = 0 every real weight is 0 anyway.
/// * Round ties: torch.round rounds half to even, so a PyTorch-trained round model can differ
///   from this on an exact tie; u * n is an exact tie in practice only for x = 0 (u = 1/2),
///   where this rule gives the positive level at every k and half-to-even gives the negative
///   one at k = 1. Models that carry precomputed codes (W.tq_codes) are not affected.
/// * Math.Tanh comes from the C runtime and may differ by an ulp between platforms; a code can
///   flip only when u * 2^k lands within an ulp of an integer. Trainers that need the codes
///   pinned write them into the model (see docs/model-format.md).
/// * The sign bit: q8 &gt;= 128 exactly when x &gt;= 0, except for a negative x so close to 0 that
///   1/2 + t / (2M) rounds to exactly 1/2 in float64 (|t| / (2M) &lt;= 2^-55); its code is then
///   128. Weights that small (about 1e-17 relative to the largest) have no effect on a model.
/// </summary>
public static class WeightCodes
{
    /// <summary>Computes E and the 8-bit codes of <paramref name="latent"/> under <paramref name="quantizer"/>.</summary>
    /// <exception cref="ArgumentException">The tensor is empty or holds NaN or an infinity; readers refuse such tensors earlier.</exception>
    public static WeightCodeSet Compute(ReadOnlySpan<float> latent, WeightQuantizer quantizer)
    {
        var normalized = Normalize(latent);
        var codes = new byte[latent.Length];
        for (var i = 0; i < codes.Length; i++)
            codes[i] = (byte)CodeAt(normalized.U[i], 8, quantizer);
        return new WeightCodeSet(codes, normalized.MeanAbs);
    }

    /// <summary>
    /// The k-bit codes the quantizer itself gives (not by truncation). For
    /// <see cref="WeightQuantizer.TruncQuant"/> this equals truncating the 8-bit codes; for
    /// <see cref="WeightQuantizer.Round"/> it is the "Quant / Quant" reference of TRUNCQUANT.md.
    /// </summary>
    public static byte[] CodesAt(ReadOnlySpan<float> latent, int k, WeightQuantizer quantizer)
    {
        CheckBits(k);
        var normalized = Normalize(latent);
        var codes = new byte[latent.Length];
        for (var i = 0; i < codes.Length; i++)
            codes[i] = (byte)CodeAt(normalized.U[i], k, quantizer);
        return codes;
    }

    /// <summary>E, M and u for every element of <paramref name="latent"/>.</summary>
    public static NormalizedWeights Normalize(ReadOnlySpan<float> latent)
    {
        if (latent.IsEmpty)
            throw new ArgumentException("a weight tensor needs at least one element", nameof(latent));
        var sumAbs = 0.0;
        var maxAbsTanh = 0.0;
        var t = new double[latent.Length];
        for (var i = 0; i < latent.Length; i++)
        {
            double x = latent[i];
            if (!double.IsFinite(x))
                throw new ArgumentException($"weight {i} is {x}; weights must be finite", nameof(latent));
            sumAbs += Math.Abs(x);
            t[i] = Math.Tanh(x);
            maxAbsTanh = Math.Max(maxAbsTanh, Math.Abs(t[i]));
        }

        var u = t; // reused in place: t is not needed once u is known
        for (var i = 0; i < u.Length; i++)
            u[i] = maxAbsTanh == 0 ? 0.5 : t[i] / (2 * maxAbsTanh) + 0.5;
        return new NormalizedWeights(u, sumAbs / latent.Length, maxAbsTanh);
    }

    /// <summary>The k-bit code of a normalised weight u in [0, 1].</summary>
    public static int CodeAt(double u, int k, WeightQuantizer quantizer)
    {
        CheckBits(k);
        if (!(u >= 0 && u <= 1))
            throw new ArgumentOutOfRangeException(nameof(u), u, "u must be in [0, 1]");
        var n = (1 << k) - 1;
        return quantizer switch
        {
            // u * 2^k is exact in float64, which is what makes truncation line up bit for bit.
            WeightQuantizer.TruncQuant => (int)Math.Min(Math.Floor(u * (1 << k)), n),
            WeightQuantizer.Round => (int)Math.Round(u * n, MidpointRounding.AwayFromZero),
            _ => throw new ArgumentOutOfRangeException(nameof(quantizer), quantizer, "unknown quantizer"),
        };
    }

    /// <summary>The k-bit code kept by truncating an 8-bit code: <c>code8 &gt;&gt; (8 - k)</c>.</summary>
    public static int Truncate(int code8, int k)
    {
        CheckBits(k);
        if (code8 is < 0 or > 255)
            throw new ArgumentOutOfRangeException(nameof(code8), code8, "an 8-bit code is in [0, 255]");
        return code8 >> (8 - k);
    }

    /// <summary>
    /// The odd signed level s = 2q - (2^k - 1) of a k-bit code q (not an 8-bit code: truncate
    /// first). The real weight is s * E / (2^k - 1).
    /// </summary>
    public static int SignedLevel(int code, int k)
    {
        CheckBits(k);
        var n = (1 << k) - 1;
        if (code < 0 || code > n)
            throw new ArgumentOutOfRangeException(nameof(code), code, $"a {k}-bit code is in [0, {n}]");
        return 2 * code - n;
    }

    /// <summary>The real weight E * s / (2^k - 1) of a k-bit code.</summary>
    public static double RealWeight(int code, int k, double meanAbs) => meanAbs * SignedLevel(code, k) / ((1 << k) - 1);

    internal static void CheckBits(int k)
    {
        if (k is < 1 or > 8)
            throw new ArgumentOutOfRangeException(nameof(k), k, "weight bit widths are 1..8");
    }
}
