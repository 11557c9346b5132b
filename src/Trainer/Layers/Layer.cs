using TruncEdge.Trainer.Quantization;
using TruncEdge.Trainer.Tensors;

namespace TruncEdge.Trainer.Layers;

/// <summary>
/// A network layer with an explicit backward pass. Forward keeps what backward needs (inputs,
/// masks); output and gradient tensors live in buffers owned by the layer and are overwritten by
/// the next call, so a caller copies what it must keep. Backward returns d(loss)/d(input), or
/// null when the layer was told its input needs no gradient (the first layer of a model).
/// Parameter gradients are accumulated (+=), so several passes can add into one step.
/// </summary>
public abstract class Layer
{
    protected Layer(string name) => Name = name;

    public string Name { get; }

    public abstract Tensor Forward(Tensor x, PassContext ctx);

    public abstract Tensor? Backward(Tensor dy, PassContext ctx);

    /// <summary>Direct sub-layers, in forward order.</summary>
    public virtual IReadOnlyList<Layer> Children => [];

    /// <summary>This layer's own parameters (not its children's).</summary>
    public virtual IEnumerable<Parameter> OwnParameters => [];

    /// <summary>This layer and all layers below it, depth first in forward order.</summary>
    public IEnumerable<Layer> Descendants()
    {
        yield return this;
        foreach (var c in Children)
        {
            foreach (var d in c.Descendants())
            {
                yield return d;
            }
        }
    }
}
