namespace TruncEdge.Compiler.Passes;

/// <summary>What the user may choose when compiling a model.</summary>
public sealed record CompilerOptions
{
    /// <summary>Pin the first and the last weight layer at 8 bits (TRUNCQUANT.md section 5).</summary>
    public bool PinFirstAndLast { get; init; } = true;
    /// <summary>The weight bit widths k the emitted tables keep (a product ships only these; the
    /// others are refused at run time), each within 1..<see cref="StoreBits"/>; null: all of them.
    /// Pinned layers run at 8 whatever the set.</summary>
    public IReadOnlyList<int>? DeployBits { get; init; }
    /// <summary>Bits of each weight code stored in flash for the layers that are not pinned
    /// (1..8, `--store-bits`): at S the model runs at any k &lt;= S and its weights take S/8 of the flash.</summary>
    public int StoreBits { get; init; } = 8;
    /// <summary>File name used in messages.</summary>
    public string SourceFile { get; init; } = "model.onnx";
}
