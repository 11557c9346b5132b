using TruncEdge.Model.Graph;

namespace TruncEdge.Model.TruncQuant;

/// <summary>
/// The activation quantizer of the profile: Clip(0, 1) -> QuantizeLinear -> DequantizeLinear
/// with scale 1 / (2^b - 1) (a float scalar) and zero point uint8 0, for b = 1..8. The bit
/// width is read off the scale.
/// </summary>
public static class ActivationQuantization
{
    /// <summary>Relative tolerance when reading b off a scale: |scale * (2^b - 1) - 1| &lt;= this.</summary>
    public const double ScaleTolerance = 1e-6;

    /// <summary>The float32 scale written for b bits: 1 / (2^b - 1) computed in float64 and rounded
    /// once to float32, as PyTorch and NumPy exporters do.</summary>
    public static float Scale(int bits)
    {
        if (bits is < 1 or > 8)
            throw new ArgumentOutOfRangeException(nameof(bits), bits, "activation bits are 1..8");
        return (float)(1.0 / ((1 << bits) - 1));
    }

    /// <summary>The b in 1..8 whose scale 1 / (2^b - 1) matches <paramref name="scale"/>, or null.</summary>
    public static int? BitsFromScale(double scale)
    {
        for (var b = 1; b <= 8; b++)
        {
            if (Math.Abs(scale * ((1 << b) - 1) - 1) <= ScaleTolerance)
                return b;
        }
        return null;
    }

    /// <summary>
    /// The activation bits of a QuantizeLinear or DequantizeLinear node whose scale and zero
    /// point are profile-conformant constants (a float scalar scale of 1 / (2^b - 1); a uint8
    /// scalar zero point of 0, or none, which ONNX reads as uint8 0), or null otherwise.
    /// </summary>
    public static int? TryGetBits(ModelGraph graph, Node node)
    {
        if (node.OpType is not ("QuantizeLinear" or "DequantizeLinear") || node.Inputs.Count < 2)
            return null;
        if (graph.FindInitializer(node.Inputs[1]) is not { Type: DataType.Float, ElementCount: 1 } scale)
            return null;
        if (node.Inputs.Count > 2 && node.Inputs[2].Length > 0
            && graph.FindInitializer(node.Inputs[2]) is not { Type: DataType.UInt8, ElementCount: 1, Bytes: [0] })
            return null;
        return BitsFromScale(scale.Floats![0]);
    }
}
