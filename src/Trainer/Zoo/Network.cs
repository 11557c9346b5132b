using TruncEdge.Model.TruncQuant;
using TruncEdge.Trainer.Layers;
using TruncEdge.Trainer.Quantization;
using TruncEdge.Trainer.Tensors;

namespace TruncEdge.Trainer.Zoo;

/// <summary>The input a model takes: uint8 codes [C, H, W] (real value code / 255) and its class count.</summary>
public sealed record InputShape(int Channels, int Height, int Width, int Classes);

/// <summary>
/// A model: a layer tree whose input is [C, N, H, W] (values code/255) and whose output is
/// logits [classes, N], plus what export and training need to know about it.
/// </summary>
public sealed class Network
{
    public Network(string architecture, Layer root, InputShape input, int activationBits, WeightQuantizer quantizer)
    {
        Architecture = architecture;
        Root = root;
        Input = input;
        ActivationBits = activationBits;
        Quantizer = quantizer;
        var all = root.Descendants().ToList();
        WeightLayers = all.Where(l => l is Conv2d or Dense).ToList();
        BatchNorms = all.OfType<BatchNorm>().ToList();
        Parameters = all.SelectMany(l => l.OwnParameters).ToList();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var p in Parameters)
        {
            if (!names.Add(p.Name))
            {
                throw new ArgumentException($"duplicate parameter name {p.Name}");
            }
        }
        switch (WeightLayers.FirstOrDefault())
        {
            case Conv2d c:
                c.ComputeInputGradient = false;
                break;
            case Dense d:
                d.ComputeInputGradient = false;
                break;
        }
    }

    public string Architecture { get; }
    public Layer Root { get; }
    public InputShape Input { get; }
    public int ActivationBits { get; }
    public WeightQuantizer Quantizer { get; }
    /// <summary>Conv2d and Dense layers in forward order.</summary>
    public IReadOnlyList<Layer> WeightLayers { get; }
    public IReadOnlyList<BatchNorm> BatchNorms { get; }
    /// <summary>Every parameter, in a fixed order (forward order of layers).</summary>
    public IReadOnlyList<Parameter> Parameters { get; }

    public long ParameterCount => WeightLayers.Sum(l => l.OwnParameters.Sum(p => (long)p.Length));

    /// <summary>The parameters a joint training over <paramref name="members"/> updates: weights,
    /// biases and shared BatchNorms, plus the switchable BatchNorm parameters of those members.</summary>
    public IReadOnlyList<Parameter> TrainableFor(IEnumerable<Precision> members)
    {
        var set = members.ToHashSet();
        return Parameters.Where(p => p.Member is not { } m || set.Contains(m)).ToList();
    }

    /// <summary>Only the BatchNorm parameters of one member (BN calibration).</summary>
    public IReadOnlyList<Parameter> BatchNormParametersOf(Precision member) =>
        Parameters.Where(p => p.Member == member).ToList();

    public Tensor Forward(Tensor x, PassContext ctx)
    {
        if (x.Rank != 4 || x[0] != Input.Channels || x[2] != Input.Height || x[3] != Input.Width)
        {
            throw new ArgumentException(
                $"{Architecture}: expected input [{Input.Channels}, N, {Input.Height}, {Input.Width}], got {x}");
        }
        var y = Root.Forward(x, ctx);
        return y.Rank == 2 ? y : throw new InvalidOperationException($"{Architecture}: output {y} is not [classes, N]");
    }

    public void Backward(Tensor dLogits, PassContext ctx) => Root.Backward(dLogits, ctx);

    public void ZeroGrad()
    {
        foreach (var p in Parameters)
        {
            p.ZeroGrad();
        }
    }
}
