using TruncEdge.Trainer.Data;
using TruncEdge.Trainer.Layers;
using TruncEdge.Trainer.Losses;
using TruncEdge.Trainer.Optim;
using TruncEdge.Trainer.Quantization;
using TruncEdge.Trainer.Tensors;
using TruncEdge.Trainer.Zoo;

namespace TruncEdge.Trainer.Training;

/// <summary>
/// BatchNorm calibration for a bit width that was not trained (TRUNCQUANT.md section 5):
/// everything is frozen except that member's BatchNorm; its affine parameters start from those of
/// the nearest trained member, its running statistics are reset and re-estimated as an
/// equal-weight average over the batches seen, while the affine parameters are fine-tuned with
/// cross-entropy (Adam) for the requested number of epochs.
/// </summary>
public sealed class BatchNormCalibrator
{
    private readonly ComputeContext _compute;
    private readonly BatchAssembler _assembler = new();

    public BatchNormCalibrator(ComputeContext compute) => _compute = compute;

    /// <param name="initializeFrom">A trained member whose affine parameters the calibrated member
    /// starts from (the nearest trained bit width); null keeps the member's current parameters.</param>
    public void Calibrate(Network net, Dataset train, Precision member, Precision? initializeFrom, double epochs, int batchSize,
        double learningRate, Augmentation augmentation, Rng rng, Action<int, int>? onStep = null, CancellationToken ct = default)
    {
        foreach (var bn in net.BatchNorms.Where(b => !b.Shared))
        {
            var st = bn.State(member);
            if (initializeFrom is { } from)
            {
                var src = bn.State(from);
                src.Gamma.Value.CopyTo(st.Gamma.Value, 0);
                src.Beta.Value.CopyTo(st.Beta.Value, 0);
                st.Gamma.MarkChanged();
                st.Beta.MarkChanged();
            }
            st.ResetStatistics();
        }
        var parameters = net.BatchNormParametersOf(member);
        var opt = new Adam(parameters);
        var ctx = new PassContext(_compute, member, training: true, WeightDeployment.Quantize, RunningStatistics.Cumulative)
        {
            WeightGradients = false,
        };
        int stepsPerEpoch = train.Count / batchSize;
        int steps = Math.Max(1, (int)Math.Ceiling(epochs * stepsPerEpoch));
        var grad = new float[train.Classes * batchSize];
        var probs = new float[train.Classes * batchSize];
        int[] order = rng.Permutation(train.Count);
        int pos = 0;
        for (int s = 0; s < steps; s++)
        {
            ct.ThrowIfCancellationRequested();
            if (pos + batchSize > train.Count)
            {
                order = rng.Permutation(train.Count);
                pos = 0;
            }
            var (x, labels) = _assembler.Assemble(_compute, train, order.AsSpan(pos, Math.Min(batchSize, train.Count)), augmentation, rng);
            pos += batchSize;
            opt.ZeroGrad();
            var logits = net.Forward(x, ctx);
            CrossEntropy.Hard(logits, labels, grad, probs);
            net.Backward(new Tensor(grad, logits.Shape), ctx);
            opt.Step((float)learningRate);
            onStep?.Invoke(s + 1, steps);
        }
    }
}
