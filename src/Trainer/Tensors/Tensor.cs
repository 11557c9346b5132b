namespace TruncEdge.Trainer.Tensors;

/// <summary>
/// A dense float32 tensor: a shape and a backing array that may be longer than the shape needs
/// (layers reuse their buffers across batches of different sizes).
/// <para>
/// Layout convention of the trainer: activations are <b>feature-major</b>. A 4-D activation is
/// [C, N, H, W] (channel, then batch, then rows and columns), a 2-D activation is [F, N]. With
/// this layout a convolution over the whole batch is one GEMM (out[Cout, N*H*W] = W * col), a
/// BatchNorm channel is one contiguous slice, and a Dense layer is out[O, N] = W[O, F] * in[F, N].
/// ONNX export uses the usual NCHW shapes; weights have the ONNX layout ([Cout, Cin/g, kh, kw],
/// [O, F]).
/// </para>
/// </summary>
public sealed class Tensor
{
    public Tensor(float[] data, params int[] shape)
    {
        Shape = shape;
        Length = ShapeLength(shape);
        if (data.Length < Length)
        {
            throw new ArgumentException($"buffer of {data.Length} floats is too small for shape [{string.Join(", ", shape)}]");
        }
        Data = data;
    }

    /// <summary>A zero-filled tensor of the given shape.</summary>
    public Tensor(params int[] shape) : this(new float[ShapeLength(shape)], shape)
    {
    }

    public float[] Data { get; }
    public int[] Shape { get; }
    /// <summary>Number of elements the shape covers (a prefix of <see cref="Data"/>).</summary>
    public int Length { get; }
    public int Rank => Shape.Length;

    public int this[int dim] => Shape[dim];

    public Span<float> Span => Data.AsSpan(0, Length);

    /// <summary>Elements per leading index (per channel for [C, ...] activations).</summary>
    public int InnerSize => Length / Shape[0];

    /// <summary>Batch size of a feature-major activation ([C, N, ...] or [F, N]).</summary>
    public int Batch => Shape[1];

    public Tensor Reshape(params int[] shape)
    {
        if (ShapeLength(shape) != Length)
        {
            throw new ArgumentException($"cannot reshape [{string.Join(", ", Shape)}] to [{string.Join(", ", shape)}]");
        }
        return new Tensor(Data, shape);
    }

    public Tensor Clone() => new(Span.ToArray(), (int[])Shape.Clone());

    public void Clear() => Span.Clear();

    public static int ShapeLength(int[] shape)
    {
        long n = 1;
        foreach (var d in shape)
        {
            if (d < 0)
            {
                throw new ArgumentException($"negative dimension in [{string.Join(", ", shape)}]");
            }
            n *= d;
        }
        return n > int.MaxValue ? throw new ArgumentException("tensor too large") : (int)n;
    }

    public override string ToString() => $"Tensor[{string.Join(", ", Shape)}]";
}
