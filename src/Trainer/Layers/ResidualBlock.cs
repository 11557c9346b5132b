using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using TruncEdge.Trainer.Tensors;

namespace TruncEdge.Trainer.Layers;

/// <summary>
/// The ResNet basic block in the pattern the compiler fuses:
/// <c>out = act(bn2(conv2(act1(bn1(conv1(x))))) + shortcut(x))</c>, where the shortcut is x
/// itself (already quantized) or bnS(convS(x)) (a strided 1x1 projection).
/// </summary>
public sealed class ResidualBlock : Layer
{
    private readonly Tensors.Buffer _sum = new();
    private readonly Tensors.Buffer _inputGrad = new();

    public ResidualBlock(string name, Sequential branch, Sequential? shortcut, ActivationQuantizer output) : base(name)
    {
        Branch = branch;
        Shortcut = shortcut;
        Output = output;
    }

    public Sequential Branch { get; }
    public Sequential? Shortcut { get; }
    public ActivationQuantizer Output { get; }

    public override IReadOnlyList<Layer> Children =>
        Shortcut is null ? [Branch, Output] : [Branch, Shortcut, Output];

    public override Tensor Forward(Tensor x, PassContext ctx)
    {
        var r = Branch.Forward(x, ctx);
        var s = Shortcut is null ? x : Shortcut.Forward(x, ctx);
        if (!r.Shape.AsSpan().SequenceEqual(s.Shape))
        {
            throw new ArgumentException($"{Name}: branch {r} and shortcut {s} differ in shape");
        }
        var sum = _sum.Get(false, r.Shape);
        TensorPrimitives.Add(r.Span, s.Span, sum.Span);
        return Output.Forward(sum, ctx);
    }

    public override Tensor? Backward(Tensor dy, PassContext ctx)
    {
        var dsum = Output.Backward(dy, ctx)!;
        var dxBranch = Branch.Backward(dsum, ctx)!;
        var dxShort = Shortcut is null ? dsum : Shortcut.Backward(dsum, ctx)!;
        var dx = _inputGrad.Get(false, dxBranch.Shape);
        TensorPrimitives.Add(dxBranch.Span, dxShort.Span, dx.Span);
        return dx;
    }
}
