namespace TruncEdge.Trainer.Optim;

/// <summary>The learning rate as a function of training progress in epochs (fractional).</summary>
public abstract record LearningRateSchedule(double BaseRate)
{
    public abstract double At(double epoch);
}

/// <summary>A constant rate.</summary>
public sealed record ConstantSchedule(double BaseRate) : LearningRateSchedule(BaseRate)
{
    public override double At(double epoch) => BaseRate;
}

/// <summary>Cosine annealing from the base rate to zero over <paramref name="TotalEpochs"/>.</summary>
public sealed record CosineSchedule(double BaseRate, double TotalEpochs) : LearningRateSchedule(BaseRate)
{
    public override double At(double epoch) =>
        BaseRate * 0.5 * (1 + Math.Cos(Math.PI * Math.Clamp(epoch / TotalEpochs, 0, 1)));
}

/// <summary>The base rate times <paramref name="Gamma"/> for every milestone epoch already reached.</summary>
public sealed record MultiStepSchedule(double BaseRate, IReadOnlyList<int> Milestones, double Gamma = 0.1) : LearningRateSchedule(BaseRate)
{
    public override double At(double epoch) =>
        BaseRate * Math.Pow(Gamma, Milestones.Count(m => epoch >= m));
}
