namespace TruncEdge.Model.TruncQuant;

/// <summary>The weight quantizer a model was trained with (TRUNCQUANT.md section 2).</summary>
public enum WeightQuantizer
{
    /// <summary>q = min(floor(u * 2^k), 2^k - 1): truncating the 8-bit code gives the k-bit code.</summary>
    TruncQuant,
    /// <summary>q = round(u * (2^k - 1)), the DoReFa / Any-Precision baseline.</summary>
    Round,
}
