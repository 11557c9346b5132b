using TruncEdge.Trainer.Kernels;
using TruncEdge.Trainer.Tensors;

namespace TruncEdge.Trainer.Layers;

/// <summary>
/// The activation quantizer of TRUNCQUANT.md section 3 at <see cref="Bits"/> bits: clamp to
/// [0, 1], round to a code (ties to even, as ONNX QuantizeLinear), real value code / (2^b - 1); exported as Clip(0,1) +
/// QuantizeLinear/DequantizeLinear. The full-precision member uses plain ReLU instead.
/// </summary>
public sealed class ActivationQuantizer : Layer
{
    private readonly Tensors.Buffer _output = new();
    private readonly Tensors.Buffer _inputGrad = new();
    private Tensor? _input;
    private bool _relu;

    public ActivationQuantizer(string name, int bits) : base(name)
    {
        if (bits is < 1 or > 8)
        {
            throw new ArgumentOutOfRangeException(nameof(bits), bits, "activation bits are 1..8");
        }
        Bits = bits;
    }

    public int Bits { get; }

    public override Tensor Forward(Tensor x, PassContext ctx)
    {
        var y = _output.Get(false, x.Shape);
        _relu = ctx.Precision.IsFull;
        if (_relu)
        {
            ActivationKernels.ReluForward(ctx.Compute, x.Data, y.Data, x.Length);
        }
        else
        {
            ActivationKernels.QuantizeForward(ctx.Compute, Bits, x.Data, y.Data, x.Length);
        }
        _input = x;
        return y;
    }

    public override Tensor? Backward(Tensor dy, PassContext ctx)
    {
        var x = _input ?? throw new InvalidOperationException($"{Name}: backward before forward");
        var dx = _inputGrad.Get(false, x.Shape);
        if (_relu)
        {
            ActivationKernels.ReluBackward(ctx.Compute, x.Data, dy.Data, dx.Data, x.Length);
        }
        else
        {
            ActivationKernels.QuantizeBackward(ctx.Compute, x.Data, dy.Data, dx.Data, x.Length);
        }
        return dx;
    }
}
