namespace TruncEdge.Compiler.Program;

/// <summary>How a tensor's elements are stored and what they mean.</summary>
public enum ElementKind
{
    /// <summary>Unsigned activation codes of <see cref="ProgramTensor.Bits"/> bits, one per byte;
    /// real value = code / (2^bits - 1).</summary>
    Code,
    /// <summary>Signed 32-bit fixed point; real value = value * <see cref="ProgramTensor.Scale"/>.
    /// Used for outputs with no activation quantizer (logits) and for residual branches that are
    /// not quantized before their Add.</summary>
    Int32,
}

/// <summary>Height x width x channels, batch 1. Element (h, w, c) is at (h * W + w) * C + c.</summary>
public readonly record struct TensorShape(int Height, int Width, int Channels)
{
    public int Size => Height * Width * Channels;
    public override string ToString() => $"{Height}x{Width}x{Channels}";
}

/// <summary>Where a tensor lives at run time.</summary>
public enum TensorStorage
{
    /// <summary>In the caller's arena at <see cref="ProgramTensor.ArenaOffset"/>.</summary>
    Arena,
    /// <summary>The model input: read straight from the caller's input buffer, never copied.</summary>
    Input,
}

/// <summary>One tensor of the Program. Ids are dense, 0-based, in creation order.</summary>
public sealed class ProgramTensor
{
    public required int Id { get; init; }
    /// <summary>The ONNX value name this tensor stands for (comments and reports only).</summary>
    public required string Name { get; init; }
    public required TensorShape Shape { get; init; }
    public required ElementKind Kind { get; init; }
    /// <summary>Activation bits (1..8) for <see cref="ElementKind.Code"/>; 32 for Int32.</summary>
    public required int Bits { get; init; }
    /// <summary>Real value of one unit: 1/(2^Bits-1) for codes, a compiler-chosen scale for Int32
    /// (settable because ChooseInt32Scales chooses it after LowerGraph made the tensor).</summary>
    public required double Scale { get; set; }
    public TensorStorage Storage { get; set; } = TensorStorage.Arena;
    /// <summary>Byte offset in the arena, set by the arena planner; -1 until then.</summary>
    public int ArenaOffset { get; set; } = -1;

    public int ElementBytes => Kind == ElementKind.Code ? 1 : 4;
    public int ByteSize => Shape.Size * ElementBytes;
    /// <summary>The largest code, 2^Bits - 1 (codes only).</summary>
    public int MaxCode => (1 << Bits) - 1;
}
