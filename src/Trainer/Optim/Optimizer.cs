using TruncEdge.Trainer.Quantization;

namespace TruncEdge.Trainer.Optim;

/// <summary>
/// Updates a fixed list of parameters from their accumulated gradients. Weight decay (L2, added
/// to the gradient as PyTorch does) applies to <see cref="ParameterRole.Weight"/> parameters
/// only. State (momenta) is kept per parameter name so checkpoints survive reordering.
/// </summary>
public abstract class Optimizer
{
    protected Optimizer(IReadOnlyList<Parameter> parameters, float weightDecay)
    {
        Parameters = parameters;
        WeightDecay = weightDecay;
    }

    public IReadOnlyList<Parameter> Parameters { get; }
    public float WeightDecay { get; }
    public long Steps { get; protected set; }

    public abstract void Step(float learningRate);

    public void ZeroGrad()
    {
        foreach (var p in Parameters)
        {
            p.ZeroGrad();
        }
    }

    /// <summary>Named state arrays (for checkpoints); the step count is saved separately.</summary>
    public abstract IEnumerable<(string Name, float[] Values)> State();

    public void RestoreSteps(long steps) => Steps = steps;

    /// <summary>The gradient with weight decay added, in a scratch span.</summary>
    protected float Decayed(Parameter p, int i) =>
        p.DecayEligible && WeightDecay != 0 ? p.Grad[i] + WeightDecay * p.Value[i] : p.Grad[i];
}
