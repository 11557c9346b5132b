using System.Runtime.Intrinsics;
using TruncEdge.Trainer.Tensors;

namespace TruncEdge.Trainer.Kernels;

/// <summary>
/// The activation quantizer and ReLU, forward and backward (straight-through estimator).
/// Quantizer (TRUNCQUANT.md section 3, rounding as in docs/integer-semantics.md):
/// code = round(clamp(x, 0, 1) * Q), ties to even as ONNX QuantizeLinear and torch.round round,
/// y = code / Q, Q = 2^b - 1. Gradient: dy where 0 &lt; x &lt; 1, zero elsewhere.
/// </summary>
public static class ActivationKernels
{
    public static void QuantizeForward(ComputeContext ctx, int bits, float[] x, float[] y, int length)
    {
        float q = (1 << bits) - 1;
        ctx.ForRange(length, 1 << 16, (s, e) =>
        {
            int i = s;
            if (Vector256.IsHardwareAccelerated)
            {
                var vq = Vector256.Create(q);
                var one = Vector256.Create(1f);
                for (; i <= e - 8; i += 8)
                {
                    var v = Vector256.Min(Vector256.Max(Vector256.LoadUnsafe(ref x[i]), Vector256<float>.Zero), one);
                    (Vector256.Round(v * vq) / vq).StoreUnsafe(ref y[i]);
                }
            }
            for (; i < e; i++)
            {
                y[i] = Quantize(x[i], q);
            }
        });
    }

    /// <summary>One element of the quantizer (the scalar definition the SIMD path follows).</summary>
    public static float Quantize(float x, float q) => MathF.Round(Math.Clamp(x, 0f, 1f) * q) / q;

    /// <summary>dx = dy where 0 &lt; x &lt; 1 (the clamp's pass band), else 0.</summary>
    public static void QuantizeBackward(ComputeContext ctx, float[] x, float[] dy, float[] dx, int length) =>
        Mask(ctx, x, dy, dx, length, upper: 1f);

    public static void ReluForward(ComputeContext ctx, float[] x, float[] y, int length) =>
        ctx.ForRange(length, 1 << 16, (s, e) =>
            System.Numerics.Tensors.TensorPrimitives.Max(x.AsSpan(s, e - s), 0f, y.AsSpan(s, e - s)));

    public static void ReluBackward(ComputeContext ctx, float[] x, float[] dy, float[] dx, int length) =>
        Mask(ctx, x, dy, dx, length, upper: float.PositiveInfinity);

    private static void Mask(ComputeContext ctx, float[] x, float[] dy, float[] dx, int length, float upper)
    {
        ctx.ForRange(length, 1 << 16, (s, e) =>
        {
            int i = s;
            if (Vector256.IsHardwareAccelerated)
            {
                var hi = Vector256.Create(upper);
                for (; i <= e - 8; i += 8)
                {
                    var v = Vector256.LoadUnsafe(ref x[i]);
                    var inside = Vector256.GreaterThan(v, Vector256<float>.Zero) & Vector256.LessThan(v, hi);
                    (Vector256.LoadUnsafe(ref dy[i]) & inside).StoreUnsafe(ref dx[i]);
                }
            }
            for (; i < e; i++)
            {
                dx[i] = x[i] > 0f && x[i] < upper ? dy[i] : 0f;
            }
        });
    }
}
