using TruncEdge.Trainer.Quantization;

namespace TruncEdge.Trainer.Optim;

/// <summary>Adam (Kingma and Ba) with bias correction; weight decay as L2 on the gradient (torch.optim.Adam).</summary>
public sealed class Adam : Optimizer
{
    private readonly Dictionary<string, float[]> _m = new(StringComparer.Ordinal);
    private readonly Dictionary<string, float[]> _v = new(StringComparer.Ordinal);

    public Adam(IReadOnlyList<Parameter> parameters, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f, float weightDecay = 0f)
        : base(parameters, weightDecay)
    {
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
        foreach (var p in parameters)
        {
            _m[p.Name] = new float[p.Length];
            _v[p.Name] = new float[p.Length];
        }
    }

    public float Beta1 { get; }
    public float Beta2 { get; }
    public float Epsilon { get; }

    public override void Step(float learningRate)
    {
        Steps++;
        double c1 = 1 - Math.Pow(Beta1, Steps), c2 = 1 - Math.Pow(Beta2, Steps);
        float stepSize = (float)(learningRate / c1);
        float sqrtC2 = (float)Math.Sqrt(c2);
        foreach (var p in Parameters)
        {
            var m = _m[p.Name];
            var v = _v[p.Name];
            for (int i = 0; i < p.Length; i++)
            {
                float g = Decayed(p, i);
                m[i] = Beta1 * m[i] + (1 - Beta1) * g;
                v[i] = Beta2 * v[i] + (1 - Beta2) * g * g;
                p.Value[i] -= stepSize * m[i] / (MathF.Sqrt(v[i]) / sqrtC2 + Epsilon);
            }
            p.MarkChanged();
        }
    }

    public override IEnumerable<(string Name, float[] Values)> State() =>
        _m.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => ("adam.m:" + kv.Key, kv.Value))
            .Concat(_v.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => ("adam.v:" + kv.Key, kv.Value)));
}
