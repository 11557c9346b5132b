using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using TruncEdge.Model.TruncQuant;
using TruncEdge.Trainer.Kernels;
using TruncEdge.Trainer.Quantization;
using TruncEdge.Trainer.Tensors;

namespace TruncEdge.Trainer.Layers;

/// <summary>
/// A fully connected layer y[O, N] = W[O, F] x[F, N] (+ bias), with quantized weights (the
/// ONNX Gemm with transB = 1). Input must be feature-major [F, N] (Flatten first).
/// </summary>
public sealed class Dense : Layer
{
    private readonly Tensors.Buffer _output = new();
    private readonly Tensors.Buffer _inputGrad = new();
    private readonly float[] _weightGrad;
    private Tensor? _input;
    private float[]? _weights;

    public Dense(string name, int inFeatures, int outFeatures, bool bias, WeightQuantizer quantizer, bool pinned) : base(name)
    {
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        Weight = new Parameter(name + ".weight", [outFeatures, inFeatures], ParameterRole.Weight);
        Bias = bias ? new Parameter(name + ".bias", [outFeatures], ParameterRole.Bias) : null;
        Quantizer = new WeightFakeQuantizer(Weight, quantizer, pinned);
        _weightGrad = new float[Weight.Length];
    }

    public int InFeatures { get; }
    public int OutFeatures { get; }
    public Parameter Weight { get; }
    public Parameter? Bias { get; }
    public WeightFakeQuantizer Quantizer { get; }
    public bool ComputeInputGradient { get; set; } = true;

    public override IEnumerable<Parameter> OwnParameters => Bias is null ? [Weight] : [Weight, Bias];

    public override Tensor Forward(Tensor x, PassContext ctx)
    {
        if (x.Rank != 2 || x[0] != InFeatures)
        {
            throw new ArgumentException($"{Name}: expected input [{InFeatures}, N], got {x}");
        }
        int n = x[1];
        var w = Quantizer.Forward(ctx.Precision, ctx.Deployment);
        var y = _output.Get(false, OutFeatures, n);
        Gemm.Multiply(ctx.Compute, OutFeatures, n, InFeatures, MatrixView.RowMajor(w, InFeatures),
            MatrixView.RowMajor(x.Data, n), y.Data, 0, n, accumulate: false);
        if (Bias is not null)
        {
            for (int o = 0; o < OutFeatures; o++)
            {
                TensorPrimitives.Add(y.Data.AsSpan(o * n, n), Bias.Value[o], y.Data.AsSpan(o * n, n));
            }
        }
        _input = x;
        _weights = w;
        return y;
    }

    public override Tensor? Backward(Tensor dy, PassContext ctx)
    {
        var x = _input ?? throw new InvalidOperationException($"{Name}: backward before forward");
        int n = x[1];
        if (ctx.WeightGradients)
        {
            Array.Clear(_weightGrad);
            // dW[O, F] = dy[O, N] * x^T
            GemmNT.Multiply(ctx.Compute, OutFeatures, InFeatures, n, dy.Data, 0, n, x.Data, 0, n,
                _weightGrad, 0, InFeatures, accumulate: false);
        }
        if (ctx.WeightGradients && Bias is not null)
        {
            for (int o = 0; o < OutFeatures; o++)
            {
                Bias.Grad[o] += (float)BatchNormKernels.Sum(dy.Data.AsSpan(o * n, n));
            }
        }
        Tensor? dx = null;
        if (ComputeInputGradient)
        {
            dx = _inputGrad.Get(false, InFeatures, n);
            // dx[F, N] = W^T * dy
            Gemm.Multiply(ctx.Compute, InFeatures, n, OutFeatures, new MatrixView(_weights!, 0, 1, InFeatures),
                MatrixView.RowMajor(dy.Data, n), dx.Data, 0, n, accumulate: false);
        }
        if (ctx.WeightGradients)
        {
            Quantizer.Backward(_weightGrad);
        }
        return dx;
    }
}
