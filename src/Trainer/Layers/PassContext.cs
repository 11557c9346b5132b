using TruncEdge.Trainer.Quantization;
using TruncEdge.Trainer.Tensors;

namespace TruncEdge.Trainer.Layers;

/// <summary>How BatchNorm layers treat their running statistics in a training-mode pass.</summary>
public enum RunningStatistics
{
    /// <summary>Exponential moving average (momentum 0.1), as in normal training.</summary>
    Momentum,
    /// <summary>Equal-weight average over all batches since the statistics were reset (calibration).</summary>
    Cumulative,
}

/// <summary>What one forward/backward pass runs: which member, training or inference, how
/// weights are formed.</summary>
public sealed class PassContext
{
    public PassContext(ComputeContext compute, Precision precision, bool training,
        WeightDeployment deployment = WeightDeployment.Quantize, RunningStatistics statistics = RunningStatistics.Momentum)
    {
        Compute = compute;
        Precision = precision;
        Training = training;
        Deployment = deployment;
        Statistics = statistics;
    }

    public ComputeContext Compute { get; }
    public Precision Precision { get; }
    /// <summary>Training mode: BatchNorm uses batch statistics and layers keep what backward needs.</summary>
    public bool Training { get; }
    public WeightDeployment Deployment { get; }
    public RunningStatistics Statistics { get; }
    /// <summary>False when only BatchNorm parameters are trained (calibration): weight layers then
    /// skip their weight gradients.</summary>
    public bool WeightGradients { get; init; } = true;
}
