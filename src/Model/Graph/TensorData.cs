namespace TruncEdge.Model.Graph;

/// <summary>
/// A constant tensor (an initializer or a Constant node's value). Exactly one storage array is
/// set, matching <see cref="Type"/>: Float and Double use <see cref="Floats"/> (doubles are
/// narrowed on read only where ONNX stores float; Double keeps <see cref="Doubles"/>),
/// UInt8 and Int8 use <see cref="Bytes"/>, Int32 and Int64 use <see cref="Ints"/>.
/// </summary>
public sealed class TensorData
{
    public TensorData(string name, DataType type, long[] dims)
    {
        Name = name;
        Type = type;
        Dims = dims;
    }

    public string Name { get; }
    public DataType Type { get; }
    public long[] Dims { get; }
    public float[]? Floats { get; init; }
    public double[]? Doubles { get; init; }
    public byte[]? Bytes { get; init; }
    public long[]? Ints { get; init; }

    public long ElementCount => Dims.Aggregate(1L, (a, d) => a * d);

    public static TensorData FromFloats(string name, long[] dims, float[] values) =>
        new(name, DataType.Float, dims) { Floats = values };

    public static TensorData FromBytes(string name, long[] dims, byte[] values) =>
        new(name, DataType.UInt8, dims) { Bytes = values };

    public static TensorData FromInt64s(string name, long[] dims, long[] values) =>
        new(name, DataType.Int64, dims) { Ints = values };

    /// <summary>The values as doubles, whatever the numeric storage.</summary>
    public double[] AsDoubles() => Type switch
    {
        DataType.Float => Floats!.Select(f => (double)f).ToArray(),
        DataType.Double => (double[])Doubles!.Clone(),
        DataType.UInt8 => Bytes!.Select(b => (double)b).ToArray(),
        DataType.Int8 => Bytes!.Select(b => (double)(sbyte)b).ToArray(),
        DataType.Int32 or DataType.Int64 => Ints!.Select(i => (double)i).ToArray(),
        _ => throw new InvalidOperationException($"tensor {Name}: no numeric storage for {Type}"),
    };
}
