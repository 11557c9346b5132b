namespace TruncEdge.Compiler.Program;

/// <summary>
/// The weights of one Conv or Dense layer: 8-bit TruncQuant codes stored once, and one
/// <see cref="RequantTable"/> per weight bit width the layer can run at. At k bits the layer
/// uses q = code >> (8 - k) and the signed level s = 2q - (2^k - 1).
/// </summary>
public sealed class WeightLayer
{
    /// <summary>Index used by the C API's per-layer bit-width setter; dense, 0-based.</summary>
    public required int Index { get; init; }
    public required string Name { get; init; }
    /// <summary>Codes, layout [out_channel][kernel_h][kernel_w][in_channel / groups] for Conv and
    /// [out_channel][in_features] for Dense (in_features in the HWC order of the input tensor).</summary>
    public required byte[] Codes { get; init; }
    public required int OutChannels { get; init; }
    /// <summary>Pinned layers always run at 8 bits and carry a table for k = 8 only.</summary>
    public required bool Pinned { get; init; }
    /// <summary>Tables indexed by k - 1 (k = 1..8); a pinned layer has only index 7 set.</summary>
    public required RequantTable?[] Tables { get; init; }
    /// <summary>How the emitted model stores <see cref="Tables"/> (set by LowerRequantization; it
    /// must expand to them exactly). Null for Programs built without it: then one row per k
    /// (<see cref="StoredRequant.PerBits"/>).</summary>
    public StoredRequant? Stored { get; set; }
    /// <summary>Mean |latent weight| (TRUNCQUANT.md section 2), kept for reports.</summary>
    public required double MeanAbs { get; init; }
    /// <summary>Bits of each code the emitted model stores (1..8; pass StoreWeightBits): below 8
    /// the codes' top bits are packed (<see cref="PackedCodes"/>) and unpacked into the arena
    /// before the layer's op runs. Pinned layers keep 8.</summary>
    public int StoreBits { get; set; } = 8;
    public bool IsPacked => StoreBits < 8;
    /// <summary>Flash bytes of the stored codes: one a code, or the packed words.</summary>
    public int StoredBytes => IsPacked ? PackedCodes.Bytes(Codes.Length, StoreBits) : Codes.Length;

    public int WeightsPerChannel => Codes.Length / OutChannels;
    public IEnumerable<int> SupportedBits => Enumerable.Range(1, 8).Where(k => Tables[k - 1] is not null);
    /// <summary><see cref="Stored"/>, or one row per k; null with the reason when a bias is not storable.</summary>
    public StoredRequant? Storage(out string? why)
    {
        why = null;
        return Stored ?? StoredRequant.PerBits(Tables, out why);
    }

    public RequantTable TableFor(int k) => Tables[k - 1]
        ?? throw new InvalidOperationException($"layer {Name} has no table for k={k}");
}

/// <summary>
/// Per-output-channel requantization of one layer at one weight bit width:
/// out = clamp(RoundShift(FloorShift(acc * Multiplier[c], PreShift[c]) + FloorShift(residual * ResidualMultiplier[c], ResidualPreShift[c]) + Bias[c], Shift[c]), Lo, Hi),
/// Bias being the real offset in output units times 2^Shift[c].
/// See docs/integer-semantics.md.
/// </summary>
public sealed class RequantTable
{
    public required long[] Bias { get; init; }
    public required int[] Multiplier { get; init; }
    public required int[] Shift { get; init; }
    /// <summary>Right shift of acc * Multiplier before the sum (0 unless the bias or residual forced a smaller final shift).</summary>
    public required int[] PreShift { get; init; }
    /// <summary>Present only for layers with a fused residual input.</summary>
    public int[]? ResidualMultiplier { get; init; }
    /// <summary>Right shift of residual * ResidualMultiplier before the sum; with <see cref="ResidualMultiplier"/>.</summary>
    public int[]? ResidualPreShift { get; init; }
}
