using TruncEdge.Model.TruncQuant;
using TruncEdge.Trainer.Kernels;
using TruncEdge.Trainer.Quantization;
using TruncEdge.Trainer.Tensors;

namespace TruncEdge.Trainer.Layers;

/// <summary>Convolution settings; pads are (top, left, bottom, right).</summary>
public sealed record ConvSpec(int InChannels, int OutChannels, int KernelH, int KernelW,
    int StrideH = 1, int StrideW = 1, int PadTop = 0, int PadLeft = 0, int PadBottom = 0, int PadRight = 0, int Groups = 1)
{
    /// <summary>A k x k convolution with "same"-style symmetric padding k/2.</summary>
    public static ConvSpec Square(int inChannels, int outChannels, int kernel, int stride = 1, int groups = 1) =>
        new(inChannels, outChannels, kernel, kernel, stride, stride, kernel / 2, kernel / 2, kernel / 2, kernel / 2, groups);
}

/// <summary>
/// A 2-D convolution without bias (a BatchNorm always follows) whose weights pass through the
/// layer's <see cref="WeightFakeQuantizer"/> on every forward. Input [Cin, N, H, W], output
/// [Cout, N, OH, OW]; weights in ONNX order [Cout, Cin/groups, KH, KW].
/// </summary>
public sealed class Conv2d : Layer
{
    private readonly Tensors.Buffer _output = new();
    private readonly Tensors.Buffer _inputGrad = new();
    private readonly float[] _weightGrad;
    private Tensor? _input;
    private ConvGeometry? _geometry;
    private float[]? _weights;

    public Conv2d(string name, ConvSpec spec, WeightQuantizer quantizer, bool pinned) : base(name)
    {
        Spec = spec;
        Weight = new Parameter(name + ".weight", [spec.OutChannels, spec.InChannels / spec.Groups, spec.KernelH, spec.KernelW], ParameterRole.Weight);
        Quantizer = new WeightFakeQuantizer(Weight, quantizer, pinned);
        _weightGrad = new float[Weight.Length];
        Geometry(1, spec.KernelH + spec.StrideH, spec.KernelW + spec.StrideW).Validate();
    }

    public ConvSpec Spec { get; }
    public Parameter Weight { get; }
    public WeightFakeQuantizer Quantizer { get; }
    /// <summary>False for the first layer of a model: its input (the data) needs no gradient.</summary>
    public bool ComputeInputGradient { get; set; } = true;

    public override IEnumerable<Parameter> OwnParameters => [Weight];

    public ConvGeometry Geometry(int batch, int height, int width) => new(
        Spec.InChannels, Spec.OutChannels, Spec.Groups, Spec.KernelH, Spec.KernelW, Spec.StrideH, Spec.StrideW,
        Spec.PadTop, Spec.PadLeft, Spec.PadBottom, Spec.PadRight, batch, height, width);

    public override Tensor Forward(Tensor x, PassContext ctx)
    {
        if (x.Rank != 4 || x[0] != Spec.InChannels)
        {
            throw new ArgumentException($"{Name}: expected input [{Spec.InChannels}, N, H, W], got {x}");
        }
        var g = Geometry(x[1], x[2], x[3]);
        g.Validate();
        var w = Quantizer.Forward(ctx.Precision, ctx.Deployment);
        var y = _output.Get(false, Spec.OutChannels, g.Batch, g.OutHeight, g.OutWidth);
        ConvKernels.Forward(ctx.Compute, g, x.Data, w, y.Data);
        _input = x;
        _geometry = g;
        _weights = w;
        return y;
    }

    public override Tensor? Backward(Tensor dy, PassContext ctx)
    {
        var g = _geometry ?? throw new InvalidOperationException($"{Name}: backward before forward");
        var x = _input!;
        if (ctx.WeightGradients)
        {
            Array.Clear(_weightGrad);
            ConvKernels.BackwardWeight(ctx.Compute, g, x.Data, dy.Data, _weightGrad);
        }
        Tensor? dx = null;
        if (ComputeInputGradient)
        {
            dx = _inputGrad.Get(false, x.Shape);
            ConvKernels.BackwardData(ctx.Compute, g, _weights!, dy.Data, dx.Data);
        }
        if (ctx.WeightGradients)
        {
            Quantizer.Backward(_weightGrad);
        }
        return dx;
    }
}
