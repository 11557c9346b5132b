using TruncEdge.Trainer.Kernels;
using TruncEdge.Trainer.Tensors;

namespace TruncEdge.Trainer.Layers;

/// <summary>Pooling window settings; stride defaults to the kernel; pads (top, left, bottom, right).</summary>
public sealed record PoolSpec(int KernelH, int KernelW, int StrideH, int StrideW,
    int PadTop = 0, int PadLeft = 0, int PadBottom = 0, int PadRight = 0)
{
    public static PoolSpec Square(int kernel, int? stride = null) =>
        new(kernel, kernel, stride ?? kernel, stride ?? kernel);

    public PoolGeometry Geometry(Tensor x) =>
        new(x[0], x[1], x[2], x[3], KernelH, KernelW, StrideH, StrideW, PadTop, PadLeft, PadBottom, PadRight);
}

/// <summary>Max pooling over [C, N, H, W]; gradient to the first maximum of each window.</summary>
public sealed class MaxPool2d : Layer
{
    private readonly Tensors.Buffer _output = new();
    private readonly Tensors.Buffer _inputGrad = new();
    private int[] _argmax = [];
    private Tensor? _input;
    private PoolGeometry? _geometry;

    public MaxPool2d(string name, PoolSpec spec) : base(name) => Spec = spec;

    public PoolSpec Spec { get; }

    public override Tensor Forward(Tensor x, PassContext ctx)
    {
        var g = Spec.Geometry(x);
        g.Validate();
        var y = _output.Get(false, x[0], x[1], g.OutHeight, g.OutWidth);
        if (_argmax.Length < y.Length)
        {
            _argmax = new int[y.Length];
        }
        PoolKernels.MaxForward(ctx.Compute, g, x.Data, y.Data, _argmax);
        _input = x;
        _geometry = g;
        return y;
    }

    public override Tensor? Backward(Tensor dy, PassContext ctx)
    {
        var x = _input ?? throw new InvalidOperationException($"{Name}: backward before forward");
        var dx = _inputGrad.Get(false, x.Shape);
        PoolKernels.MaxBackward(ctx.Compute, _geometry!, dy.Data, _argmax, dx.Data);
        return dx;
    }
}

/// <summary>Average pooling over [C, N, H, W] (ONNX AveragePool).</summary>
public sealed class AvgPool2d : Layer
{
    private readonly Tensors.Buffer _output = new();
    private readonly Tensors.Buffer _inputGrad = new();
    private Tensor? _input;
    private PoolGeometry? _geometry;

    public AvgPool2d(string name, PoolSpec spec, bool countIncludePad = false) : base(name)
    {
        Spec = spec;
        CountIncludePad = countIncludePad;
    }

    public PoolSpec Spec { get; }
    public bool CountIncludePad { get; }

    public override Tensor Forward(Tensor x, PassContext ctx)
    {
        var g = Spec.Geometry(x);
        g.Validate();
        var y = _output.Get(false, x[0], x[1], g.OutHeight, g.OutWidth);
        PoolKernels.AvgForward(ctx.Compute, g, CountIncludePad, x.Data, y.Data);
        _input = x;
        _geometry = g;
        return y;
    }

    public override Tensor? Backward(Tensor dy, PassContext ctx)
    {
        var x = _input ?? throw new InvalidOperationException($"{Name}: backward before forward");
        var dx = _inputGrad.Get(false, x.Shape);
        PoolKernels.AvgBackward(ctx.Compute, _geometry!, CountIncludePad, dy.Data, dx.Data);
        return dx;
    }
}

/// <summary>Global average pooling: [C, N, H, W] to [C, N, 1, 1].</summary>
public sealed class GlobalAvgPool : Layer
{
    private readonly Tensors.Buffer _output = new();
    private readonly Tensors.Buffer _inputGrad = new();
    private Tensor? _input;

    public GlobalAvgPool(string name) : base(name)
    {
    }

    public override Tensor Forward(Tensor x, PassContext ctx)
    {
        var y = _output.Get(false, x[0], x[1], 1, 1);
        PoolKernels.GlobalAvgForward(ctx.Compute, x[0] * x[1], x[2] * x[3], x.Data, y.Data);
        _input = x;
        return y;
    }

    public override Tensor? Backward(Tensor dy, PassContext ctx)
    {
        var x = _input ?? throw new InvalidOperationException($"{Name}: backward before forward");
        var dx = _inputGrad.Get(false, x.Shape);
        PoolKernels.GlobalAvgBackward(ctx.Compute, x[0] * x[1], x[2] * x[3], dy.Data, dx.Data);
        return dx;
    }
}
