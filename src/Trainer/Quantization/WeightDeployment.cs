namespace TruncEdge.Trainer.Quantization;

/// <summary>How a k-bit member forms its weight codes.</summary>
public enum WeightDeployment
{
    /// <summary>The training quantizer's own k-bit codes ("Quant" columns of TRUNCQUANT.md).</summary>
    Quantize,
    /// <summary>The 8-bit codes shifted right by 8 - k, what a device does ("Trunc").</summary>
    Truncate,
}
