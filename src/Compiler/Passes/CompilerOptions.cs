namespace TruncEdge.Compiler.Passes;

/// <summary>What the user may choose when compiling a model.</summary>
public sealed record CompilerOptions
{
    /// <summary>Pin the first and the last weight layer at 8 bits (TRUNCQUANT.md section 5).</summary>
    public bool PinFirstAndLast { get; init; } = true;
    /// <summary>The weight bit widths k the emitted tables keep (a product ships only these; the
    /// others are refused at run time). Each within 1..8; 8 is required when a layer is pinned.</summary>
    public IReadOnlyList<int> DeployBits { get; init; } = Program.WeightBits.All;
    /// <summary>File name used in messages.</summary>
    public string SourceFile { get; init; } = "model.onnx";
}
