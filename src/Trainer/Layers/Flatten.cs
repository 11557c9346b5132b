using TruncEdge.Trainer.Tensors;

namespace TruncEdge.Trainer.Layers;

/// <summary>
/// ONNX Flatten (axis 1) in the feature-major layout: [C, N, H, W] to [C*H*W, N], feature index
/// (c*H + h)*W + w as in NCHW. With H = W = 1 this is a reshape.
/// </summary>
public sealed class Flatten : Layer
{
    private readonly Tensors.Buffer _output = new();
    private readonly Tensors.Buffer _inputGrad = new();
    private int[]? _inputShape;

    public Flatten(string name) : base(name)
    {
    }

    public override Tensor Forward(Tensor x, PassContext ctx)
    {
        _inputShape = x.Shape;
        if (x.Rank == 2)
        {
            return x;
        }
        int c = x[0], n = x[1], hw = x.Length / (c * n);
        if (hw == 1)
        {
            return x.Reshape(c, n);
        }
        var y = _output.Get(false, c * hw, n);
        Permute(x.Data, y.Data, c, n, hw, forward: true);
        return y;
    }

    public override Tensor? Backward(Tensor dy, PassContext ctx)
    {
        var shape = _inputShape ?? throw new InvalidOperationException($"{Name}: backward before forward");
        if (shape.Length == 2)
        {
            return dy;
        }
        int c = shape[0], n = shape[1], hw = Tensor.ShapeLength(shape) / (c * n);
        if (hw == 1)
        {
            return dy.Reshape(shape);
        }
        var dx = _inputGrad.Get(false, shape);
        Permute(dy.Data, dx.Data, c, n, hw, forward: false);
        return dx;
    }

    /// <summary>[C, N, HW] (forward source) and [C, HW, N] (forward destination).</summary>
    private static void Permute(float[] src, float[] dst, int c, int n, int hw, bool forward)
    {
        for (int ci = 0; ci < c; ci++)
        {
            for (int b = 0; b < n; b++)
            {
                int a = (ci * n + b) * hw;
                int f = ci * hw * n + b;
                for (int p = 0; p < hw; p++)
                {
                    if (forward)
                    {
                        dst[f + p * n] = src[a + p];
                    }
                    else
                    {
                        dst[a + p] = src[f + p * n];
                    }
                }
            }
        }
    }
}
