using TruncEdge.Trainer.Quantization;

namespace TruncEdge.Trainer.Layers;

/// <summary>The affine parameters and running statistics of one BatchNorm for one member.</summary>
public sealed class BatchNormState
{
    public BatchNormState(string prefix, int channels, Precision? member)
    {
        string suffix = member is { } m ? (m.IsFull ? ".fp" : $".k{m.Bits}") : "";
        Gamma = new Parameter($"{prefix}.weight{suffix}", [channels], ParameterRole.BatchNormScale, member);
        Beta = new Parameter($"{prefix}.bias{suffix}", [channels], ParameterRole.BatchNormShift, member);
        Array.Fill(Gamma.Value, 1f);
        RunningMean = new float[channels];
        RunningVar = new float[channels];
        Array.Fill(RunningVar, 1f);
        StatisticsName = $"{prefix}.running{suffix}";
    }

    public Parameter Gamma { get; }
    public Parameter Beta { get; }
    public float[] RunningMean { get; }
    public float[] RunningVar { get; }
    /// <summary>Batches averaged since <see cref="ResetStatistics"/> (cumulative mode).</summary>
    public long BatchesTracked { get; set; }
    /// <summary>Checkpoint name prefix of the running statistics.</summary>
    public string StatisticsName { get; }

    public void ResetStatistics()
    {
        Array.Clear(RunningMean);
        Array.Fill(RunningVar, 1f);
        BatchesTracked = 0;
    }
}
