using TruncEdge.Trainer.Tensors;

namespace TruncEdge.Trainer.Layers;

/// <summary>Layers applied one after another.</summary>
public sealed class Sequential : Layer
{
    private readonly Layer[] _layers;

    public Sequential(string name, params Layer[] layers) : base(name) => _layers = layers;

    public override IReadOnlyList<Layer> Children => _layers;

    public override Tensor Forward(Tensor x, PassContext ctx)
    {
        foreach (var l in _layers)
        {
            x = l.Forward(x, ctx);
        }
        return x;
    }

    public override Tensor? Backward(Tensor dy, PassContext ctx)
    {
        Tensor? d = dy;
        for (int i = _layers.Length - 1; i >= 0 && d is not null; i--)
        {
            d = _layers[i].Backward(d, ctx);
        }
        return d;
    }
}
