using TruncEdge.Trainer.Quantization;

namespace TruncEdge.Trainer.Optim;

/// <summary>SGD with momentum (PyTorch's form: v = mu v + g; w -= lr v; or Nesterov).</summary>
public sealed class Sgd : Optimizer
{
    private readonly Dictionary<string, float[]> _velocity = new(StringComparer.Ordinal);

    public Sgd(IReadOnlyList<Parameter> parameters, float momentum = 0.9f, float weightDecay = 0f, bool nesterov = false)
        : base(parameters, weightDecay)
    {
        Momentum = momentum;
        Nesterov = nesterov;
        foreach (var p in parameters)
        {
            _velocity[p.Name] = new float[p.Length];
        }
    }

    public float Momentum { get; }
    public bool Nesterov { get; }

    public override void Step(float learningRate)
    {
        foreach (var p in Parameters)
        {
            var v = _velocity[p.Name];
            for (int i = 0; i < p.Length; i++)
            {
                float g = Decayed(p, i);
                v[i] = Momentum * v[i] + g;
                p.Value[i] -= learningRate * (Nesterov ? g + Momentum * v[i] : v[i]);
            }
            p.MarkChanged();
        }
        Steps++;
    }

    public override IEnumerable<(string Name, float[] Values)> State() =>
        _velocity.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => ("velocity:" + kv.Key, kv.Value));
}
