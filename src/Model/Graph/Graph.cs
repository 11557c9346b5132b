namespace TruncEdge.Model.Graph;

/// <summary>
/// An ONNX-shaped model graph, decoupled from the protobuf classes: what the reader produces,
/// what the writer consumes and what the compiler's first pass starts from. Nodes are kept in
/// file order; the reader checks they are topologically sorted.
/// </summary>
public sealed class ModelGraph
{
    public string Name { get; set; } = "model";
    public string ProducerName { get; set; } = "truncedge";
    public long OpsetVersion { get; set; } = 13;
    /// <summary>The file the graph was read from, if any; diagnostics about the graph name it.</summary>
    public string? SourceFile { get; set; }
    public List<ValueInfo> Inputs { get; } = [];
    public List<ValueInfo> Outputs { get; } = [];
    public List<Node> Nodes { get; } = [];
    /// <summary>Initializers by name, in insertion order when written.</summary>
    public Dictionary<string, TensorData> Initializers { get; } = new(StringComparer.Ordinal);
    /// <summary>ModelProto.metadata_props; the TruncQuant profile lives under "truncquant.*".</summary>
    public Dictionary<string, string> Metadata { get; } = new(StringComparer.Ordinal);

    public TensorData? FindInitializer(string name) => Initializers.GetValueOrDefault(name);
}

/// <summary>A graph input or output: name, element type and shape (a dim of -1 is symbolic).</summary>
public sealed record ValueInfo(string Name, DataType ElementType, long[] Shape);

/// <summary>One ONNX node. Attribute values are typed; see <see cref="AttributeValue"/>.</summary>
public sealed class Node
{
    public Node(string name, string opType, IReadOnlyList<string> inputs, IReadOnlyList<string> outputs,
        IReadOnlyDictionary<string, AttributeValue>? attributes = null)
    {
        Name = name;
        OpType = opType;
        Inputs = inputs;
        Outputs = outputs;
        Attributes = attributes ?? new Dictionary<string, AttributeValue>();
    }

    public string Name { get; }
    public string OpType { get; }
    /// <summary>Input names; an empty string is an omitted optional input, as in ONNX.</summary>
    public IReadOnlyList<string> Inputs { get; }
    public IReadOnlyList<string> Outputs { get; }
    public IReadOnlyDictionary<string, AttributeValue> Attributes { get; }

    public long GetInt(string name, long fallback) =>
        Attributes.TryGetValue(name, out var a) && a.Int is { } v ? v : fallback;

    public float GetFloat(string name, float fallback) =>
        Attributes.TryGetValue(name, out var a) && a.Float is { } v ? v : fallback;

    public long[]? GetInts(string name) => Attributes.TryGetValue(name, out var a) ? a.Ints : null;

    public string? GetString(string name) => Attributes.TryGetValue(name, out var a) ? a.String : null;

    /// <summary>A human label for messages: the node name, or its op type and first output.</summary>
    public string Label => Name.Length > 0 ? Name : $"{OpType}->{(Outputs.Count > 0 ? Outputs[0] : "?")}";
}

/// <summary>An ONNX attribute value; exactly one member is set.</summary>
public sealed record AttributeValue
{
    public long? Int { get; init; }
    public float? Float { get; init; }
    public string? String { get; init; }
    public long[]? Ints { get; init; }
    public float[]? Floats { get; init; }
    public TensorData? Tensor { get; init; }

    public static AttributeValue Of(long v) => new() { Int = v };
    public static AttributeValue Of(float v) => new() { Float = v };
    public static AttributeValue Of(string v) => new() { String = v };
    public static AttributeValue Of(params long[] v) => new() { Ints = v };
    public static AttributeValue Of(TensorData v) => new() { Tensor = v };
}

/// <summary>The ONNX TensorProto.DataType values TruncEdge reads and writes (official numbers).</summary>
public enum DataType
{
    Undefined = 0,
    Float = 1,
    UInt8 = 2,
    Int8 = 3,
    Int32 = 6,
    Int64 = 7,
    Double = 11,
}
