namespace TruncEdge.Compiler.Program;

/// <summary>
/// The closed set of Program ops. Each op's exact integer behaviour is written down once, in
/// docs/integer-semantics.md. Every consumer of ops (reference executor, emitter, verifier,
/// printer, statistics, comparer, kernel scratch and work sizes) is an
/// <see cref="IOpVisitor{T}"/>, so an op added here and forgotten by one of them is a build error,
/// never a default arm at run time.
/// </summary>
public abstract record ProgramOp
{
    /// <summary>Position in the Program, 0-based.</summary>
    public required int Index { get; init; }
    /// <summary>The ONNX node names this op came from, for comments and reports.</summary>
    public required string Name { get; init; }
    public required int Output { get; init; }

    public abstract IReadOnlyList<int> Inputs { get; }
    public abstract T Accept<T>(IOpVisitor<T> visitor);
}

/// <summary>Output clamp of a requantizing op, in output units: [0, 2^b-1] for codes,
/// [int32 min or 0, int32 max] for Int32 outputs.</summary>
public readonly record struct ClampRange(int Lo, int Hi);

/// <summary>An op with a weight layer, its requantization and an optional residual: Conv or Dense.</summary>
public abstract record WeightOp : ProgramOp
{
    public required int Input { get; init; }
    public required int Layer { get; init; }
    /// <summary>A tensor of the output's shape added inside the requantization, or null.</summary>
    public int? Residual { get; init; }
    public required ClampRange Clamp { get; init; }

    public override IReadOnlyList<int> Inputs => Residual is { } r ? [Input, r] : [Input];
}

/// <summary>2-D convolution over a Code input, groups included (depthwise is groups == in channels).</summary>
public sealed record ConvOp : WeightOp
{
    public required int KernelH { get; init; }
    public required int KernelW { get; init; }
    public required int StrideH { get; init; }
    public required int StrideW { get; init; }
    public required int PadTop { get; init; }
    public required int PadLeft { get; init; }
    public required int Groups { get; init; }

    public override T Accept<T>(IOpVisitor<T> visitor) => visitor.Visit(this);
}

/// <summary>Fully connected layer over all elements of a Code input, in HWC order.</summary>
public sealed record DenseOp : WeightOp
{
    public override T Accept<T>(IOpVisitor<T> visitor) => visitor.Visit(this);
}

/// <summary>Max pooling of Code inputs; padding reads as code 0 (exact, codes are never negative).</summary>
public sealed record MaxPoolOp : ProgramOp
{
    public required int Input { get; init; }
    public required int KernelH { get; init; }
    public required int KernelW { get; init; }
    public required int StrideH { get; init; }
    public required int StrideW { get; init; }
    public required int PadTop { get; init; }
    public required int PadLeft { get; init; }

    public override IReadOnlyList<int> Inputs => [Input];
    public override T Accept<T>(IOpVisitor<T> visitor) => visitor.Visit(this);
}

/// <summary>
/// Average pooling of Code inputs to Code outputs: out = clamp(RoundShift(sum * Multiplier[n-1], Shift[n-1]), 0, 2^b-1)
/// where n is the divisor of the window (the number of valid elements, or the full window when
/// padding counts). Global average pooling is the window that covers the whole input.
/// </summary>
public sealed record AvgPoolOp : ProgramOp
{
    public required int Input { get; init; }
    public required int KernelH { get; init; }
    public required int KernelW { get; init; }
    public required int StrideH { get; init; }
    public required int StrideW { get; init; }
    public required int PadTop { get; init; }
    public required int PadLeft { get; init; }
    public required bool CountIncludePad { get; init; }
    /// <summary>Indexed by divisor - 1, divisor = 1..KernelH*KernelW.</summary>
    public required int[] Multiplier { get; init; }
    public required int[] Shift { get; init; }

    /// <summary>Whether every window divides by its full size: padding counts, or no window is
    /// ever cut short by the edges of <paramref name="input"/>. The emitted model then stores the
    /// one entry of that size (te_avgpool with count_include_pad).</summary>
    public bool DividesByFullWindow(TensorShape input, TensorShape output) =>
        CountIncludePad || (PadTop == 0 && PadLeft == 0 &&
                            (output.Height - 1) * StrideH + KernelH <= input.Height &&
                            (output.Width - 1) * StrideW + KernelW <= input.Width);

    /// <summary>Whether the pool is one window over the whole input (GlobalAveragePool): no padding, one output pixel.</summary>
    public bool IsGlobal(TensorShape input, TensorShape output) =>
        PadTop == 0 && PadLeft == 0 && KernelH == input.Height && KernelW == input.Width &&
        output.Height == 1 && output.Width == 1;

    public override IReadOnlyList<int> Inputs => [Input];
    public override T Accept<T>(IOpVisitor<T> visitor) => visitor.Visit(this);
}

/// <summary>
/// Elementwise sum of two tensors of one shape (Code or Int32 each) to a Code output:
/// out = clamp(RoundShift(a * MultiplierA + b * MultiplierB, Shift), Clamp).
/// </summary>
public sealed record AddOp : ProgramOp
{
    public required int A { get; init; }
    public required int B { get; init; }
    public required int MultiplierA { get; init; }
    public required int MultiplierB { get; init; }
    public required int Shift { get; init; }
    public required ClampRange Clamp { get; init; }

    public override IReadOnlyList<int> Inputs => [A, B];
    public override T Accept<T>(IOpVisitor<T> visitor) => visitor.Visit(this);
}

/// <summary>One method per op, returning what the consumer makes of it.</summary>
public interface IOpVisitor<out T>
{
    T Visit(ConvOp op);
    T Visit(DenseOp op);
    T Visit(MaxPoolOp op);
    T Visit(AvgPoolOp op);
    T Visit(AddOp op);
}
