namespace TruncEdge.Model.TruncQuant;

/// <summary>
/// The stored form of one layer's weights: 8-bit codes (same order as the latent tensor) and
/// E = mean |latent weight|. At k bits the layer uses <c>Codes8[i] &gt;&gt; (8 - k)</c>.
/// The arrays are owned by this object; do not modify them.
/// </summary>
public sealed record WeightCodeSet(byte[] Codes8, double MeanAbs)
{
    /// <summary>The k-bit codes obtained by truncation, the deployment rule of TruncEdge.</summary>
    public byte[] Truncated(int k)
    {
        WeightCodes.CheckBits(k);
        var result = new byte[Codes8.Length];
        for (var i = 0; i < result.Length; i++)
            result[i] = (byte)WeightCodes.Truncate(Codes8[i], k);
        return result;
    }
}

/// <summary>
/// The per-tensor normalisation of TRUNCQUANT.md section 2: u in [0, 1] for every element,
/// E = mean |x| and M = max |tanh x|, all in float64.
/// </summary>
public sealed record NormalizedWeights(double[] U, double MeanAbs, double MaxAbsTanh);
