using System.Diagnostics;
using TruncEdge.Model.TruncQuant;
using TruncEdge.Trainer.Data;
using TruncEdge.Trainer.Layers;
using TruncEdge.Trainer.Losses;
using TruncEdge.Trainer.Optim;
using TruncEdge.Trainer.Quantization;
using TruncEdge.Trainer.Tensors;
using TruncEdge.Trainer.Zoo;

namespace TruncEdge.Trainer.Training;

/// <summary>
/// One training run: joint any-precision training (TRUNCQUANT.md section 5), per-epoch test
/// evaluation and checkpoints, then BatchNorm calibration of the untrained bit widths and a final
/// evaluation at every bit width.
/// <code>
/// var session = TrainingSession.Create(options);          // or TrainingSession.Resume(checkpoint)
/// TrainResult result = session.Run(progress, cancellationToken);
/// OnnxExport.Write(result, "model.onnx");
/// </code>
/// Per mini-batch: zero the gradients; run the full-precision member (if trained) with
/// cross-entropy on the labels; then each trained bit width in descending order, supervised by the
/// detached softmax of the member before it; all gradients add up; one optimizer step.
/// </summary>
public sealed class TrainingSession
{
    private const ulong DataStream = 0xD1B54A32D192ED03UL;
    private const ulong CalibrationStream = 0x8CB92BA72F3D8DD7UL;

    private readonly ComputeContext _compute;
    private readonly Optimizer _optimizer;
    private readonly LearningRateSchedule _schedule;
    private readonly Augmentation _augmentation;
    private readonly BatchAssembler _assembler = new();
    private Rng _dataRng;

    private TrainingSession(TrainOptions options, DataSplit data, Checkpoint? checkpoint)
    {
        options.Validate();
        Options = options;
        Data = new DataSplit(
            options.TrainLimit is { } tl ? data.Train.Take(tl) : data.Train,
            options.TestLimit is { } sl ? data.Test.Take(sl) : data.Test);
        if (Data.Train.Count < 2)
        {
            throw new ArgumentException("the training set needs at least 2 samples");
        }
        _compute = new ComputeContext(options.Threads);
        var initRng = new Rng(options.Seed);
        var t = Data.Train;
        Network = ModelZoo.Create(options.Model, new InputShape(t.Channels, t.Height, t.Width, t.Classes),
            options.ActivationBits, options.Quantizer, initRng);
        Members = [.. (options.FullPrecisionMember ? [Precision.Full] : Array.Empty<Precision>()),
            .. options.WeightBits.OrderDescending().Select(Precision.Of)];
        var parameters = Network.TrainableFor(Members);
        _optimizer = options.Optimizer switch
        {
            OptimizerKind.Sgd => new Sgd(parameters, (float)options.Momentum, (float)options.WeightDecay),
            _ => new Adam(parameters, weightDecay: (float)options.WeightDecay),
        };
        _schedule = options.Schedule switch
        {
            ScheduleKind.Cosine => new CosineSchedule(options.LearningRate, Math.Max(1, options.Epochs)),
            ScheduleKind.MultiStep => new MultiStepSchedule(options.LearningRate, options.Milestones, options.LearningRateGamma),
            _ => new ConstantSchedule(options.LearningRate),
        };
        _augmentation = options.Augmentation
            ?? (options.Data.ToLowerInvariant() is "cifar10" or "cifar-10" ? Augmentation.Cifar : Augmentation.None);
        _dataRng = new Rng(options.Seed ^ DataStream);
        if (checkpoint is not null)
        {
            checkpoint.Restore(Network, _optimizer);
            _dataRng = Rng.FromState(checkpoint.DataRngState);
            EpochsCompleted = checkpoint.EpochsCompleted;
        }
    }

    public TrainOptions Options { get; }
    public DataSplit Data { get; }
    public Network Network { get; }
    /// <summary>Trained members, highest first (full precision, then bit widths descending).</summary>
    public IReadOnlyList<Precision> Members { get; }
    public int EpochsCompleted { get; private set; }

    /// <summary>A new run. <paramref name="data"/> overrides loading <see cref="TrainOptions.Data"/>
    /// from the cache (a caller that wants other data passes it here explicitly).</summary>
    /// <exception cref="ArgumentException">An option is invalid.</exception>
    /// <exception cref="DataSetException">The data set is not in the cache.</exception>
    public static TrainingSession Create(TrainOptions options, DataSplit? data = null)
    {
        options.Validate();
        return new TrainingSession(options, data ?? DataSets.Load(options.Data, options.DataRoot), null);
    }

    /// <summary>Continues from a checkpoint. <paramref name="adjust"/> may change options that do
    /// not define the model or the data order (epochs, threads, checkpoint path, evaluation).
    /// Training the same total epochs gives the same weights as an uninterrupted run.</summary>
    /// <exception cref="CheckpointException">The file is unreadable or the adjusted options change the model.</exception>
    public static TrainingSession Resume(string checkpointPath, Func<TrainOptions, TrainOptions>? adjust = null, DataSplit? data = null)
    {
        var ck = Checkpoint.Load(checkpointPath);
        var options = adjust?.Invoke(ck.Options) ?? ck.Options;
        var o = ck.Options;
        if (options.Model != o.Model || options.Data != o.Data || options.Quantizer != o.Quantizer
            || !options.WeightBits.SequenceEqual(o.WeightBits) || options.FullPrecisionMember != o.FullPrecisionMember
            || options.ActivationBits != o.ActivationBits || options.Seed != o.Seed || options.BatchSize != o.BatchSize
            || options.Optimizer != o.Optimizer || options.TrainLimit != o.TrainLimit)
        {
            throw new CheckpointException($"{checkpointPath}: resuming may change epochs, threads, checkpoint path and evaluation only, not the model, data, bits, seed, batch size or optimizer");
        }
        options.Validate();
        return new TrainingSession(options, data ?? DataSets.Load(options.Data, options.DataRoot), ck);
    }

    /// <summary>Trains the remaining epochs, calibrates untrained bit widths and evaluates.
    /// Cancellation stops between steps (OperationCanceledException); the last checkpoint stays.</summary>
    public TrainResult Run(IProgress<TrainProgress>? progress = null, CancellationToken ct = default)
    {
        var total = Stopwatch.StartNew();
        var train = Data.Train;
        int batch = Math.Min(Options.BatchSize, train.Count);
        int stepsPerEpoch = train.Count / batch;
        int epochsThisRun = Math.Max(0, Options.Epochs - EpochsCompleted);
        long samplesThisRun = 0;
        var trainingTime = TimeSpan.Zero;
        var stats = new MemberAccumulator[Members.Count];
        var grad = new float[train.Classes * batch];
        var probs = new float[train.Classes * batch];
        var targets = new float[train.Classes * batch];

        for (int epoch = EpochsCompleted; epoch < Options.Epochs; epoch++)
        {
            for (int m = 0; m < stats.Length; m++)
            {
                stats[m] = default;
            }
            int[] order = _dataRng.Permutation(train.Count);
            var epochClock = Stopwatch.StartNew();
            var lastReport = TimeSpan.Zero;
            double lr = 0;
            for (int step = 0; step < stepsPerEpoch; step++)
            {
                ct.ThrowIfCancellationRequested();
                lr = _schedule.At(epoch + (double)step / stepsPerEpoch);
                var (x, labels) = _assembler.Assemble(_compute, train, order.AsSpan(step * batch, batch), _augmentation, _dataRng);
                TrainStep(x, labels, (float)lr, stats, grad, probs, targets);
                samplesThisRun += batch;
                var now = epochClock.Elapsed;
                if (progress is not null && (now - lastReport > TimeSpan.FromMilliseconds(250) || step == stepsPerEpoch - 1))
                {
                    lastReport = now;
                    progress.Report(Progress(TrainPhase.Training, epoch, step + 1, stepsPerEpoch, stats, lr,
                        trainingTime + now, samplesThisRun, epochsThisRun, epoch - EpochsCompleted, null, null));
                }
            }
            trainingTime += epochClock.Elapsed;
            EpochsCompleted = epoch + 1;
            EvalResult? test = null;
            if (Options.EvaluateEachEpoch && Data.Test.Count > 0)
            {
                test = new Evaluator(_compute).Evaluate(Network, Data.Test, Members, [WeightDeployment.Quantize]);
            }
            if (Options.CheckpointPath is { } path)
            {
                Checkpoint.Capture(Options, EpochsCompleted, Network, _optimizer, _dataRng.State).Save(path);
            }
            progress?.Report(Progress(TrainPhase.EpochCompleted, epoch, stepsPerEpoch, stepsPerEpoch, stats, lr,
                trainingTime, samplesThisRun, epochsThisRun, epoch - EpochsCompleted + 1, test, null));
        }

        var calibrated = Calibrate(progress, ct);

        progress?.Report(Progress(TrainPhase.Evaluating, EpochsCompleted, 0, stepsPerEpoch, stats, 0, trainingTime,
            samplesThisRun, epochsThisRun, epochsThisRun, null, "evaluating every bit width on the test set"));
        var members = (Options.FullPrecisionMember ? new[] { Precision.Full } : [])
            .Concat(Enumerable.Range(1, 8).Reverse()
                .Where(k => Options.WeightBits.Contains(k) || calibrated.Contains(k))
                .Select(Precision.Of)).ToList();
        // Both deployments: for TruncQuant the Evaluator copies Quantize (identical by construction).
        var final = new Evaluator(_compute).Evaluate(Network, Data.Test, members,
            [WeightDeployment.Quantize, WeightDeployment.Truncate]);
        double sps = trainingTime.TotalSeconds > 0 ? samplesThisRun / trainingTime.TotalSeconds : 0;
        progress?.Report(Progress(TrainPhase.Completed, EpochsCompleted, stepsPerEpoch, stepsPerEpoch, stats, 0,
            trainingTime, samplesThisRun, epochsThisRun, epochsThisRun, final, null));
        return new TrainResult(Network, [.. Options.WeightBits.Order()], calibrated, final, EpochsCompleted,
            trainingTime, total.Elapsed, sps);
    }

    /// <summary>One joint step over all members; returns nothing, accumulates statistics.</summary>
    private void TrainStep(Tensor x, int[] labels, float lr, MemberAccumulator[] stats, float[] grad, float[] probs, float[] targets)
    {
        _optimizer.ZeroGrad();
        bool haveTargets = false;
        for (int m = 0; m < Members.Count; m++)
        {
            var ctx = new PassContext(_compute, Members[m], training: true);
            var logits = Network.Forward(x, ctx);
            var r = haveTargets && Options.RecursiveDistillation
                ? CrossEntropy.Soft(logits, targets, labels, grad, probs)
                : CrossEntropy.Hard(logits, labels, grad, probs);
            Network.Backward(new Tensor(grad, logits.Shape), ctx);
            Array.Copy(probs, targets, logits.Length);
            haveTargets = true;
            stats[m].Add(r);
        }
        _optimizer.Step(lr);
    }

    private List<int> Calibrate(IProgress<TrainProgress>? progress, CancellationToken ct)
    {
        var bits = Enumerable.Range(1, 8).Where(k => !Options.WeightBits.Contains(k)).ToList();
        if (Options.CalibrationEpochs <= 0 || EpochsCompleted == 0 || Options.WeightBits.Count == 0)
        {
            return [];
        }
        var calibrator = new BatchNormCalibrator(_compute);
        var rng = new Rng(Options.Seed ^ CalibrationStream);
        int batch = Math.Min(Options.BatchSize, Data.Train.Count);
        foreach (int k in bits)
        {
            var clock = Stopwatch.StartNew();
            var last = TimeSpan.Zero;
            // Start from the nearest trained member: the next higher bit width, else the next lower.
            int from = Options.WeightBits.Where(b => b > k).DefaultIfEmpty(0).Min() is var hi and > 0
                ? hi
                : Options.WeightBits.Where(b => b < k).Max();
            calibrator.Calibrate(Network, Data.Train, Precision.Of(k), Precision.Of(from), Options.CalibrationEpochs, batch,
                Options.CalibrationLearningRate, _augmentation, rng.Fork(), (step, steps) =>
                {
                    if (progress is not null && (clock.Elapsed - last > TimeSpan.FromMilliseconds(250) || step == steps))
                    {
                        last = clock.Elapsed;
                        double sps = step * batch / Math.Max(1e-9, clock.Elapsed.TotalSeconds);
                        progress.Report(new TrainProgress
                        {
                            Phase = TrainPhase.Calibrating,
                            Epoch = EpochsCompleted,
                            Epochs = Options.Epochs,
                            Step = step,
                            StepsPerEpoch = steps,
                            Loss = 0,
                            Accuracy = 0,
                            SamplesPerSecond = sps,
                            Elapsed = clock.Elapsed,
                            Eta = TimeSpan.FromSeconds((steps - step) * batch / Math.Max(1e-9, sps)),
                            LearningRate = Options.CalibrationLearningRate,
                            Members = [],
                            Message = $"calibrating BatchNorm for {k}-bit weights",
                        });
                    }
                }, ct);
        }
        return bits;
    }

    private TrainProgress Progress(TrainPhase phase, int epoch, int step, int stepsPerEpoch, MemberAccumulator[] stats,
        double lr, TimeSpan elapsed, long samples, int epochsThisRun, int epochsDoneThisRun, EvalResult? test, string? message)
    {
        double doneFraction = epochsThisRun == 0 ? 1 : (epochsDoneThisRun + (phase == TrainPhase.Training ? (double)step / stepsPerEpoch : 0)) / epochsThisRun;
        var eta = doneFraction > 0 && doneFraction < 1
            ? TimeSpan.FromSeconds(elapsed.TotalSeconds * (1 - doneFraction) / doneFraction)
            : TimeSpan.Zero;
        var members = Members.Select((p, i) => new MemberStats(p, stats[i].Loss, stats[i].Accuracy)).ToList();
        return new TrainProgress
        {
            Phase = phase,
            Epoch = epoch + (phase is TrainPhase.Training or TrainPhase.EpochCompleted ? 1 : 0),
            Epochs = Options.Epochs,
            Step = step,
            StepsPerEpoch = stepsPerEpoch,
            Loss = members.Count == 0 ? 0 : members.Average(s => s.Loss),
            Accuracy = members.Count == 0 ? 0 : members[0].Accuracy,
            SamplesPerSecond = elapsed.TotalSeconds > 0 ? samples / elapsed.TotalSeconds : 0,
            Elapsed = elapsed,
            Eta = eta,
            LearningRate = lr,
            Members = members,
            Test = test,
            Message = message,
        };
    }

    private struct MemberAccumulator
    {
        private double _loss;
        private long _correct, _count, _batches;

        public void Add(LossResult r)
        {
            _loss += r.Loss;
            _batches++;
            _correct += r.Correct;
            _count += r.Count;
        }

        public readonly double Loss => _batches == 0 ? 0 : _loss / _batches;
        public readonly double Accuracy => _count == 0 ? 0 : (double)_correct / _count;
    }
}
