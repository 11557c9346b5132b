namespace TruncEdge.Trainer.Tensors;

/// <summary>
/// A growable float buffer owned by one layer (or one scratch use): hands out tensors of the
/// requested shape backed by the same array while it is large enough, so a training loop does
/// not allocate per batch. Callers must not keep a returned tensor across the next request.
/// </summary>
public sealed class Buffer
{
    private float[] _data = [];

    /// <summary>A tensor of the shape; contents are unspecified unless <paramref name="clear"/>.</summary>
    public Tensor Get(bool clear, params int[] shape)
    {
        int n = Tensor.ShapeLength(shape);
        if (_data.Length < n)
        {
            _data = GC.AllocateUninitializedArray<float>(n);
            clear = true;
        }
        var t = new Tensor(_data, shape);
        if (clear)
        {
            t.Clear();
        }
        return t;
    }

    /// <summary>The raw array, at least <paramref name="length"/> long (contents unspecified).</summary>
    public float[] Array(int length)
    {
        if (_data.Length < length)
        {
            _data = GC.AllocateUninitializedArray<float>(length);
        }
        return _data;
    }
}
