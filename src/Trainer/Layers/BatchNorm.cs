using TruncEdge.Trainer.Kernels;
using TruncEdge.Trainer.Quantization;
using TruncEdge.Trainer.Tensors;

namespace TruncEdge.Trainer.Layers;

/// <summary>
/// Switchable BatchNorm (TRUNCQUANT.md section 5): separate affine parameters and running
/// statistics per member (1..8 bits and full precision), over the channels of a feature-major
/// tensor ([C, N, H, W] or [F, N]). A <see cref="Shared"/> BatchNorm has one set for all members;
/// models use it after a pinned layer, whose input and weights do not depend on the member, and
/// the compiler uses one table for it.
/// </summary>
public sealed class BatchNorm : Layer
{
    public const float Epsilon = 1e-5f;
    public const float Momentum = 0.1f;

    private readonly Dictionary<int, BatchNormState> _states = [];
    private readonly Tensors.Buffer _output = new();
    private readonly Tensors.Buffer _inputGrad = new();
    private readonly float[] _mean, _invStd, _variance;
    private Tensor? _input;
    private BatchNormState? _used;
    private bool _usedBatchStats;

    public BatchNorm(string name, int channels, bool shared) : base(name)
    {
        Channels = channels;
        Shared = shared;
        if (shared)
        {
            _states[0] = new BatchNormState(name, channels, null);
        }
        else
        {
            foreach (var p in Precision.All)
            {
                _states[p.Bits] = new BatchNormState(name, channels, p);
            }
        }
        _mean = new float[channels];
        _invStd = new float[channels];
        _variance = new float[channels];
    }

    public int Channels { get; }
    public bool Shared { get; }

    public BatchNormState State(Precision p) => _states[Shared ? 0 : p.Bits];

    public IEnumerable<BatchNormState> States => _states.Values;

    public override IEnumerable<Parameter> OwnParameters => _states.Values.SelectMany(s => new[] { s.Gamma, s.Beta });

    public override Tensor Forward(Tensor x, PassContext ctx)
    {
        if (x[0] != Channels)
        {
            throw new ArgumentException($"{Name}: expected {Channels} channels, got {x}");
        }
        var st = State(ctx.Precision);
        var y = _output.Get(false, x.Shape);
        int s = x.InnerSize;
        // During calibration (cumulative statistics) a shared BatchNorm belongs to no member and
        // stays frozen: it normalizes with its running statistics and does not update them.
        bool batchStats = ctx.Training && !(Shared && ctx.Statistics == RunningStatistics.Cumulative);
        if (batchStats)
        {
            BatchNormKernels.TrainForward(ctx.Compute, Channels, s, Epsilon, x.Data, st.Gamma.Value, st.Beta.Value,
                y.Data, _mean, _invStd, _variance);
            UpdateRunning(st, s, ctx.Statistics);
        }
        else
        {
            BatchNormKernels.EvalForward(ctx.Compute, Channels, s, Epsilon, x.Data, st.Gamma.Value, st.Beta.Value,
                st.RunningMean, st.RunningVar, y.Data);
        }
        _input = x;
        _used = st;
        _usedBatchStats = batchStats;
        return y;
    }

    public override Tensor? Backward(Tensor dy, PassContext ctx)
    {
        var x = _input ?? throw new InvalidOperationException($"{Name}: backward before forward");
        var st = _used!;
        var dx = _inputGrad.Get(false, x.Shape);
        int s = x.InnerSize;
        if (_usedBatchStats)
        {
            BatchNormKernels.TrainBackward(ctx.Compute, Channels, s, x.Data, dy.Data, st.Gamma.Value, _mean, _invStd,
                dx.Data, st.Gamma.Grad, st.Beta.Grad);
        }
        else
        {
            BatchNormKernels.EvalBackward(ctx.Compute, Channels, s, Epsilon, x.Data, dy.Data, st.Gamma.Value,
                st.RunningMean, st.RunningVar, dx.Data, st.Gamma.Grad, st.Beta.Grad);
        }
        return dx;
    }

    private void UpdateRunning(BatchNormState st, int s, RunningStatistics mode)
    {
        float unbias = s > 1 ? (float)s / (s - 1) : 1f;
        float w = mode == RunningStatistics.Cumulative ? 1f / (st.BatchesTracked + 1) : Momentum;
        for (int c = 0; c < Channels; c++)
        {
            st.RunningMean[c] += w * (_mean[c] - st.RunningMean[c]);
            st.RunningVar[c] += w * (_variance[c] * unbias - st.RunningVar[c]);
        }
        st.BatchesTracked++;
    }
}
