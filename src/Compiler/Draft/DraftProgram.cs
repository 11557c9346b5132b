using TruncEdge.Compiler.Program;

namespace TruncEdge.Compiler.Draft;

/// <summary>
/// The Program before requantization: the ops and tensors are final, but each weight layer still
/// carries its float64 affine maps (per weight bit width, BatchNorm folded) from accumulator to
/// real output. <see cref="Passes.LowerRequantization"/> turns it into an <see cref="IntegerProgram"/>.
/// </summary>
public sealed class DraftProgram
{
    public required string Name { get; init; }
    public List<ProgramTensor> Tensors { get; } = [];
    public List<DraftLayer> Layers { get; } = [];
    public List<DraftOp> Ops { get; } = [];
    public int Input { get; set; } = -1;
    public int Output { get; set; } = -1;
    public Dictionary<string, string> Provenance { get; } = new(StringComparer.Ordinal);

    public ProgramTensor AddTensor(string name, TensorShape shape, ElementKind kind, int bits, double scale)
    {
        var t = new ProgramTensor { Id = Tensors.Count, Name = name, Shape = shape, Kind = kind, Bits = bits, Scale = scale };
        Tensors.Add(t);
        return t;
    }
}

/// <summary>
/// A Conv or Dense layer with its codes and, per k = 1..8, the float affine map
/// real_out[c] = A[k-1][c] * acc + B[k-1][c] (BatchNorm and bias folded by FoldBatchNorms).
/// </summary>
public sealed class DraftLayer
{
    public required int Index { get; init; }
    public required string Name { get; init; }
    /// <summary>8-bit codes, [OutChannels][WeightsPerChannel] in Program order once
    /// <see cref="SourceOrder"/> is null (LayOutWeights), in ONNX order before.</summary>
    public required byte[] Codes { get; set; }
    /// <summary>How <see cref="Codes"/> are ordered as read from ONNX; null once in Program order.</summary>
    public WeightOrder? SourceOrder { get; set; }
    public required int OutChannels { get; init; }
    public required double MeanAbs { get; init; }
    /// <summary>Bits of the Code input (the accumulator's activation side).</summary>
    public required int InputBits { get; init; }
    /// <summary>The Conv/Gemm bias (null: none), before the <see cref="Steps"/>.</summary>
    public double[]? Bias { get; init; }
    /// <summary>What follows the layer before its quantizer, in order; FoldBatchNorms folds them
    /// into <see cref="A"/> and <see cref="B"/> and leaves this empty.</summary>
    public IReadOnlyList<AffineStep> Steps { get; set; } = [];
    /// <summary>Per k, empty until FoldBatchNorms.</summary>
    public double[][] A { get; set; } = [];
    public double[][] B { get; set; } = [];
    public bool Pinned { get; set; }
    public int WeightsPerChannel => Codes.Length / OutChannels;
}

/// <summary>
/// The ONNX order of a layer's codes: Conv [M][C/g][kh][kw]; Gemm [out][in] when TransB, else
/// [in][out] (MatMul), with in = c*H*W + h*W + w when the input was flattened from NCHW.
/// </summary>
public sealed record WeightOrder(bool Conv, bool TransB, bool FromNchw)
{
    public static readonly WeightOrder ConvOrder = new(true, false, true);
}

/// <summary>An affine map after a layer's accumulator that FoldBatchNorms folds into A and B.</summary>
public abstract record AffineStep;

/// <summary>A BatchNormalization node (switchable: its parameters may differ per k).</summary>
public sealed record BatchNormStep(Model.Graph.Node Node, double Epsilon) : AffineStep;

/// <summary>An Add of a constant, one value for all channels or one per channel.</summary>
public sealed record ConstantAddStep(double[] Values) : AffineStep;

/// <summary>A Program op whose requantization constants are not computed yet.</summary>
public abstract record DraftOp
{
    public required string Name { get; init; }
    public required int Output { get; init; }
}

/// <summary>A Conv (Dense when <see cref="Conv"/> is null) with its epilogue still in float.</summary>
public sealed record DraftLayerOp : DraftOp
{
    public required int Input { get; init; }
    public required int Layer { get; init; }
    /// <summary>Geometry for Conv; null for Dense.</summary>
    public ConvGeometry? Conv { get; init; }
    public int? Residual { get; init; }
    /// <summary>Lower clamp at 0 for an Int32 output followed by Relu.</summary>
    public bool Relu { get; init; }
}

public sealed record ConvGeometry(int KernelH, int KernelW, int StrideH, int StrideW, int PadTop, int PadLeft, int Groups);

public sealed record DraftMaxPoolOp : DraftOp
{
    public required int Input { get; init; }
    public required PoolGeometry Pool { get; init; }
}

public sealed record DraftAvgPoolOp : DraftOp
{
    public required int Input { get; init; }
    public required PoolGeometry Pool { get; init; }
    public required bool CountIncludePad { get; init; }
}

public sealed record PoolGeometry(int KernelH, int KernelW, int StrideH, int StrideW, int PadTop, int PadLeft);

public sealed record DraftAddOp : DraftOp
{
    public required int A { get; init; }
    public required int B { get; init; }
}
