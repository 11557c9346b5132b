namespace TruncEdge.Compiler.Passes;

/// <summary>What the user may choose when compiling a model.</summary>
public sealed record CompilerOptions
{
    /// <summary>Pin the first and the last weight layer at 8 bits (TRUNCQUANT.md section 5).</summary>
    public bool PinFirstAndLast { get; init; } = true;
    /// <summary>File name used in messages.</summary>
    public string SourceFile { get; init; } = "model.onnx";
}
