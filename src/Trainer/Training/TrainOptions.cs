using TruncEdge.Model.TruncQuant;
using TruncEdge.Trainer.Data;

namespace TruncEdge.Trainer.Training;

public enum OptimizerKind
{
    Adam,
    Sgd,
}

public enum ScheduleKind
{
    Constant,
    Cosine,
    MultiStep,
}

/// <summary>
/// Everything that defines a training run (the CLI's `train` options). A run is a function of
/// these options and the data: the same options give the same losses, weights and ONNX file.
/// </summary>
public sealed record TrainOptions
{
    /// <summary>mlp, cnn, resnet8, resnet20 or dscnn (<see cref="Zoo.ModelZoo.Architectures"/>).</summary>
    public required string Model { get; init; }
    /// <summary>digits, mnist, fashion or cifar10 (<see cref="DataSets.Names"/>).</summary>
    public required string Data { get; init; }
    /// <summary>Data cache folder; null means $TRUNCEDGE_DATA or ~/.cache/truncedge/data.</summary>
    public string? DataRoot { get; init; }

    public WeightQuantizer Quantizer { get; init; } = WeightQuantizer.TruncQuant;
    /// <summary>Weight bit widths trained jointly (1..8).</summary>
    public IReadOnlyList<int> WeightBits { get; init; } = [1, 2, 4, 8];
    /// <summary>Also train the full-precision member (the top of the distillation chain).</summary>
    public bool FullPrecisionMember { get; init; } = true;
    /// <summary>Each lower member learns from the softmax of the next higher one (TRUNCQUANT.md
    /// section 5); false trains every member on the labels.</summary>
    public bool RecursiveDistillation { get; init; } = true;
    /// <summary>Bits of the hidden activation quantizers (the input and the pooled features before
    /// the classifier are always 8-bit).</summary>
    public int ActivationBits { get; init; } = 4;

    public int Epochs { get; init; } = 10;
    public int BatchSize { get; init; } = 128;
    public OptimizerKind Optimizer { get; init; } = OptimizerKind.Adam;
    public double LearningRate { get; init; } = 1e-3;
    /// <summary>SGD momentum.</summary>
    public double Momentum { get; init; } = 0.9;
    public double WeightDecay { get; init; }
    public ScheduleKind Schedule { get; init; } = ScheduleKind.Cosine;
    /// <summary>Epochs at which MultiStep multiplies the rate by <see cref="LearningRateGamma"/>.</summary>
    public IReadOnlyList<int> Milestones { get; init; } = [];
    public double LearningRateGamma { get; init; } = 0.1;
    /// <summary>Null: the data set's default (crop 4 + flip for cifar10, none otherwise).</summary>
    public Augmentation? Augmentation { get; init; }

    public ulong Seed { get; init; } = 1;
    /// <summary>Worker threads; 0 = all processors. Results do not depend on it.</summary>
    public int Threads { get; init; }

    /// <summary>BatchNorm calibration (TRUNCQUANT.md section 5) for the bit widths 1..8 that were not
    /// trained, in epochs over the training set; 0 turns it off.</summary>
    public double CalibrationEpochs { get; init; } = 1;
    public double CalibrationLearningRate { get; init; } = 1e-3;

    /// <summary>Evaluate the trained members on the test set after every epoch.</summary>
    public bool EvaluateEachEpoch { get; init; } = true;
    /// <summary>Use only the first N training / test samples (quick runs, tests).</summary>
    public int? TrainLimit { get; init; }
    public int? TestLimit { get; init; }

    /// <summary>Write a checkpoint here after every epoch (atomically); null: no checkpoints.</summary>
    public string? CheckpointPath { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad option.</summary>
    public void Validate()
    {
        if (!Zoo.ModelZoo.Architectures.Contains(Model.ToLowerInvariant()))
        {
            throw new ArgumentException($"--model: '{Model}' is not one of {string.Join(", ", Zoo.ModelZoo.Architectures)}");
        }
        if (!DataSets.Names.Contains(Data.ToLowerInvariant()) && Data.ToLowerInvariant() is not ("fashion-mnist" or "cifar-10"))
        {
            throw new ArgumentException($"--data: '{Data}' is not one of {string.Join(", ", DataSets.Names)}");
        }
        if (WeightBits.Count == 0 && !FullPrecisionMember)
        {
            throw new ArgumentException("--weight-bits: train at least one bit width (or the full-precision member)");
        }
        if (WeightBits.Any(b => b is < 1 or > 8) || WeightBits.Distinct().Count() != WeightBits.Count)
        {
            throw new ArgumentException($"--weight-bits: '{string.Join(",", WeightBits)}' must be distinct values in 1..8");
        }
        if (ActivationBits is < 1 or > 8)
        {
            throw new ArgumentException($"--act-bits: {ActivationBits} is not in 1..8");
        }
        if (Epochs < 0 || BatchSize < 2 || !(LearningRate > 0) || WeightDecay < 0 || CalibrationEpochs < 0)
        {
            throw new ArgumentException("epochs >= 0, batch size >= 2, learning rate > 0, weight decay >= 0 and calibration epochs >= 0 are required");
        }
        if (TrainLimit is < 2)
        {
            throw new ArgumentException($"--train-limit: {TrainLimit} is below 2 (training needs at least 2 samples)");
        }
        if (TestLimit is < 1)
        {
            throw new ArgumentException($"test limit: {TestLimit} is below 1");
        }
        if (Schedule == ScheduleKind.MultiStep && Milestones.Count == 0)
        {
            throw new ArgumentException("--schedule multistep needs --milestones");
        }
    }
}
