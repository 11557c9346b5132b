using System.Buffers;
using System.Buffers.Binary;
using Google.Protobuf;
using TruncEdge.Model.Diagnostics;
using TruncEdge.Model.Graph;
using TruncEdge.Model.Onnx.Proto;
using OnnxType = TruncEdge.Model.Onnx.Proto.TensorProto.Types.DataType;

namespace TruncEdge.Model.Onnx;

/// <summary>
/// Converts between ONNX TensorProto and <see cref="TensorData"/>. Decoding validates
/// everything a file can get wrong (type, dims, data size, NaN/Inf, external data), because the
/// rest of TruncEdge trusts a TensorData; encoding always writes raw_data, little-endian.
/// </summary>
internal static class TensorCodec
{
    /// <summary>
    /// Decodes <paramref name="proto"/> as a tensor called <paramref name="name"/>.
    /// <paramref name="what"/> names it in messages, e.g. "initializer 'conv1.weight'".
    /// </summary>
    public static TensorData Decode(TensorProto proto, string name, string what, string file, string? node)
    {
        DiagnosticException Fail(string code, string message) => new(code, message, file, node);

        if (proto.Segment is not null)
            throw Fail(ModelDiagnosticCodes.UnsupportedTensorForm, $"{what} is stored in segments; TruncEdge reads whole tensors only");
        if (proto.DataLocation == TensorProto.Types.DataLocation.External || proto.ExternalData.Count > 0)
            throw Fail(ModelDiagnosticCodes.ExternalData,
                $"{what} keeps its data in an external file; save the model with every tensor inside the .onnx file");

        var type = ToDataType(proto.DataType)
            ?? throw Fail(ModelDiagnosticCodes.UnsupportedDataType,
                $"{what} has element type {TypeName(proto.DataType)}; TruncEdge reads FLOAT, DOUBLE, UINT8, INT8, INT32 and INT64");

        var dims = proto.Dims.ToArray();
        var count = ElementCount(dims)
            ?? throw Fail(ModelDiagnosticCodes.BadDims, $"{what} has dims {FormatDims(dims)}; dims must be >= 0 and describe at most {Array.MaxLength} elements");

        var typedField = TypedFieldName(type);
        var typedCount = TypedCount(proto, type);
        var otherCount = proto.FloatData.Count + proto.Int32Data.Count + proto.Int64Data.Count + proto.DoubleData.Count
            + proto.Uint64Data.Count + proto.StringData.Count - typedCount;
        if (otherCount > 0)
            throw Fail(ModelDiagnosticCodes.DataSizeMismatch, $"{what} of type {TypeName(proto.DataType)} stores values in a field other than {typedField} or raw_data");
        if (proto.HasRawData && typedCount > 0)
            throw Fail(ModelDiagnosticCodes.DataSizeMismatch, $"{what} stores values both in raw_data and in {typedField}");

        var tensor = proto.HasRawData
            ? FromRaw(proto.RawData, name, type, dims, count, what, Fail)
            : FromTyped(proto, name, type, dims, count, typedField, what, Fail);
        CheckFinite(tensor, what, Fail);
        return tensor;
    }

    /// <summary>Encodes <paramref name="tensor"/> under <paramref name="name"/> with raw_data.
    /// A storage array that does not match the dims is a bug in the caller.</summary>
    public static TensorProto Encode(TensorData tensor, string name)
    {
        var count = ElementCount(tensor.Dims)
            ?? throw new ArgumentException($"tensor {name}: invalid dims {FormatDims(tensor.Dims)}");
        var proto = new TensorProto { Name = name, DataType = (int)tensor.Type };
        proto.Dims.AddRange(tensor.Dims);
        proto.RawData = UnsafeByteOperations.UnsafeWrap(ToRaw(tensor, checked((int)count)));
        return proto;
    }

    /// <summary>The TruncEdge type for an ONNX data_type value, or null if TruncEdge does not read it.</summary>
    public static DataType? ToDataType(int onnxType) => onnxType switch
    {
        (int)DataType.Float => DataType.Float,
        (int)DataType.UInt8 => DataType.UInt8,
        (int)DataType.Int8 => DataType.Int8,
        (int)DataType.Int32 => DataType.Int32,
        (int)DataType.Int64 => DataType.Int64,
        (int)DataType.Double => DataType.Double,
        _ => null,
    };

    /// <summary>The official ONNX name of a data_type value, e.g. "FLOAT16", for messages.</summary>
    public static string TypeName(int onnxType) =>
        // The generated enum names are the official ones in PascalCase ("Float16", "Uint8"),
        // and the official names have no underscores, so upper-casing restores them.
        Enum.IsDefined(typeof(OnnxType), onnxType)
            ? ((OnnxType)onnxType).ToString().ToUpperInvariant()
            : $"data_type {onnxType}";

    public static string FormatDims(IEnumerable<long> dims) => $"[{string.Join(",", dims)}]";

    /// <summary>The product of the dims, or null if a dim is negative or the product exceeds
    /// the largest array .NET can allocate.</summary>
    public static long? ElementCount(IReadOnlyList<long> dims)
    {
        if (dims.Any(d => d < 0))
            return null;
        if (dims.Any(d => d == 0))
            return 0;
        long count = 1;
        foreach (var d in dims)
        {
            if (count > Array.MaxLength / d)
                return null;
            count *= d;
        }
        return count;
    }

    private static int ElementSize(DataType type) => type switch
    {
        DataType.UInt8 or DataType.Int8 => 1,
        DataType.Float or DataType.Int32 => 4,
        _ => 8,
    };

    private static string TypedFieldName(DataType type) => type switch
    {
        DataType.Float => "float_data",
        DataType.Double => "double_data",
        DataType.Int64 => "int64_data",
        _ => "int32_data",
    };

    private static int TypedCount(TensorProto proto, DataType type) => type switch
    {
        DataType.Float => proto.FloatData.Count,
        DataType.Double => proto.DoubleData.Count,
        DataType.Int64 => proto.Int64Data.Count,
        _ => proto.Int32Data.Count,
    };

    private static TensorData FromRaw(ByteString raw, string name, DataType type, long[] dims, long count, string what,
        Func<string, string, DiagnosticException> fail)
    {
        var size = ElementSize(type);
        if (raw.Length % size != 0 || raw.Length / size != count)
            throw fail(ModelDiagnosticCodes.DataSizeMismatch,
                $"{what} has {raw.Length} bytes of raw_data; dims {FormatDims(dims)} of {type} need {count * size}");
        var bytes = raw.Span;
        var n = (int)count;
        switch (type)
        {
            case DataType.Float:
                var floats = new float[n];
                for (var i = 0; i < n; i++)
                    floats[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes[(4 * i)..]);
                return new TensorData(name, type, dims) { Floats = floats };
            case DataType.Double:
                var doubles = new double[n];
                for (var i = 0; i < n; i++)
                    doubles[i] = BinaryPrimitives.ReadDoubleLittleEndian(bytes[(8 * i)..]);
                return new TensorData(name, type, dims) { Doubles = doubles };
            case DataType.UInt8 or DataType.Int8:
                return new TensorData(name, type, dims) { Bytes = bytes.ToArray() };
            case DataType.Int32:
                var ints = new long[n];
                for (var i = 0; i < n; i++)
                    ints[i] = BinaryPrimitives.ReadInt32LittleEndian(bytes[(4 * i)..]);
                return new TensorData(name, type, dims) { Ints = ints };
            default:
                var longs = new long[n];
                for (var i = 0; i < n; i++)
                    longs[i] = BinaryPrimitives.ReadInt64LittleEndian(bytes[(8 * i)..]);
                return new TensorData(name, type, dims) { Ints = longs };
        }
    }

    private static TensorData FromTyped(TensorProto proto, string name, DataType type, long[] dims, long count, string field,
        string what, Func<string, string, DiagnosticException> fail)
    {
        var have = TypedCount(proto, type);
        if (have != count)
            throw fail(ModelDiagnosticCodes.DataSizeMismatch,
                $"{what} has {have} values in {(proto.HasRawData ? "raw_data" : field)}; dims {FormatDims(dims)} need {count}");
        switch (type)
        {
            case DataType.Float:
                return new TensorData(name, type, dims) { Floats = proto.FloatData.ToArray() };
            case DataType.Double:
                return new TensorData(name, type, dims) { Doubles = proto.DoubleData.ToArray() };
            case DataType.Int64:
                return new TensorData(name, type, dims) { Ints = proto.Int64Data.ToArray() };
            case DataType.Int32:
                return new TensorData(name, type, dims) { Ints = proto.Int32Data.Select(v => (long)v).ToArray() };
            default:
                // ONNX stores 8-bit tensors in int32_data, one value per element.
                var (lo, hi) = type == DataType.UInt8 ? (0, 255) : (-128, 127);
                var bytes = new byte[have];
                for (var i = 0; i < have; i++)
                {
                    var v = proto.Int32Data[i];
                    if (v < lo || v > hi)
                        throw fail(ModelDiagnosticCodes.ValueOutOfRange, $"{what} holds {v} at index {i}, outside the range of {type}");
                    bytes[i] = unchecked((byte)v);
                }
                return new TensorData(name, type, dims) { Bytes = bytes };
        }
    }

    private static void CheckFinite(TensorData tensor, string what, Func<string, string, DiagnosticException> fail)
    {
        // A NaN or infinite weight makes every code downstream meaningless (tanh, max, mean), so
        // it is refused here, by name, instead of surfacing as a baffling output later.
        var index = tensor.Floats is { } f ? Array.FindIndex(f, v => !float.IsFinite(v))
            : tensor.Doubles is { } d ? Array.FindIndex(d, v => !double.IsFinite(v))
            : -1;
        if (index >= 0)
        {
            var value = tensor.Floats is { } ff ? (double)ff[index] : tensor.Doubles![index];
            throw fail(ModelDiagnosticCodes.NonFiniteValue,
                $"{what} holds {value.ToString(System.Globalization.CultureInfo.InvariantCulture)} at index {index}; tensors must be finite");
        }
    }

    private static byte[] ToRaw(TensorData tensor, int count) => tensor.Type switch
    {
        DataType.Float => Pack(Storage(tensor.Floats, tensor, count), 4, BinaryPrimitives.WriteSingleLittleEndian),
        DataType.Double => Pack(Storage(tensor.Doubles, tensor, count), 8, BinaryPrimitives.WriteDoubleLittleEndian),
        DataType.UInt8 or DataType.Int8 => (byte[])Storage(tensor.Bytes, tensor, count).Clone(),
        DataType.Int32 => Pack(Storage(tensor.Ints, tensor, count), 4, (span, v) => BinaryPrimitives.WriteInt32LittleEndian(span, checked((int)v))),
        DataType.Int64 => Pack(Storage(tensor.Ints, tensor, count), 8, BinaryPrimitives.WriteInt64LittleEndian),
        _ => throw new ArgumentException($"tensor {tensor.Name}: cannot write element type {tensor.Type}"),
    };

    /// <summary>The storage array of <paramref name="tensor"/>; missing or mis-sized storage is a bug in whoever built it.</summary>
    private static T[] Storage<T>(T[]? values, TensorData tensor, int count)
    {
        if (values is null || values.Length != count)
            throw new ArgumentException(
                $"tensor {tensor.Name}: {tensor.Type} needs {count} values for dims {FormatDims(tensor.Dims)}, has {values?.Length.ToString() ?? "none"}");
        return values;
    }

    private static byte[] Pack<T>(T[] values, int size, SpanAction<byte, T> write)
    {
        var raw = new byte[size * values.Length];
        for (var i = 0; i < values.Length; i++)
            write(raw.AsSpan(size * i), values[i]);
        return raw;
    }
}
