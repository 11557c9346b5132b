using TruncEdge.Trainer.Zoo;

namespace TruncEdge.Trainer.Training;

/// <summary>The outcome of <see cref="TrainingSession.Run"/>: the trained network (export it with
/// <see cref="Export.OnnxExport"/>), which bit widths were trained and calibrated, and the final
/// fake-quant test accuracies.</summary>
public sealed record TrainResult(
    Network Network,
    IReadOnlyList<int> TrainedBits,
    IReadOnlyList<int> CalibratedBits,
    EvalResult Test,
    int EpochsCompleted,
    TimeSpan TrainingTime,
    TimeSpan TotalTime,
    double SamplesPerSecond);
