using TruncEdge.Trainer.Quantization;

namespace TruncEdge.Trainer.Training;

public enum TrainPhase
{
    /// <summary>A training step finished (reported at most a few times per second).</summary>
    Training,
    /// <summary>An epoch finished; <see cref="TrainProgress.Test"/> holds test accuracies if evaluated.</summary>
    EpochCompleted,
    /// <summary>BatchNorm calibration of one untrained bit width is running.</summary>
    Calibrating,
    /// <summary>Final evaluation is running.</summary>
    Evaluating,
    Completed,
}

/// <summary>Running statistics of one member in the current epoch.</summary>
public sealed record MemberStats(Precision Precision, double Loss, double Accuracy);

/// <summary>
/// What a training run reports through <see cref="IProgress{T}"/>: enough for a progress bar
/// (loss, accuracy, samples per second, ETA) and for logs.
/// </summary>
public sealed record TrainProgress
{
    public required TrainPhase Phase { get; init; }
    /// <summary>1-based epoch.</summary>
    public required int Epoch { get; init; }
    public required int Epochs { get; init; }
    /// <summary>Steps done in this epoch, and per epoch.</summary>
    public required int Step { get; init; }
    public required int StepsPerEpoch { get; init; }
    /// <summary>Mean over members of their epoch-average loss.</summary>
    public required double Loss { get; init; }
    /// <summary>Training accuracy of the highest member this epoch, 0..1.</summary>
    public required double Accuracy { get; init; }
    /// <summary>Training samples per second this epoch (a sample counts once, however many members run).</summary>
    public required double SamplesPerSecond { get; init; }
    public required TimeSpan Elapsed { get; init; }
    /// <summary>Estimated time to the end of training (epochs, not calibration).</summary>
    public required TimeSpan Eta { get; init; }
    public required double LearningRate { get; init; }
    public required IReadOnlyList<MemberStats> Members { get; init; }
    public EvalResult? Test { get; init; }
    /// <summary>Free text for the phase, e.g. "calibrating BatchNorm for 3 bits".</summary>
    public string? Message { get; init; }
}
