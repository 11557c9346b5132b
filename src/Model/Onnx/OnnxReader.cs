using Google.Protobuf;
using TruncEdge.Model.Diagnostics;
using TruncEdge.Model.Graph;
using TruncEdge.Model.Onnx.Proto;

namespace TruncEdge.Model.Onnx;

/// <summary>
/// Reads an ONNX model file into a <see cref="ModelGraph"/>. Every problem with the file is a
/// <see cref="DiagnosticException"/> with a stable code (see <see cref="ModelDiagnosticCodes"/>)
/// naming the file and, where there is one, the node; any other exception is a bug. What it
/// guarantees about the result: nodes are topologically sorted, every node input is a graph
/// input, an initializer or an earlier output, every tensor holds exactly as many finite values
/// as its dims say, Constant nodes are folded into initializers, and graph inputs that are also
/// initializers are not listed as inputs.
/// </summary>
public static class OnnxReader
{
    /// <summary>Reads the model at <paramref name="path"/>.</summary>
    public static ModelGraph Read(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new DiagnosticException(ModelDiagnosticCodes.CannotRead, $"cannot read the model file: {e.Message}", path);
        }
        return Read(bytes, path);
    }

    /// <summary>Reads a model from <paramref name="bytes"/>; <paramref name="fileNameForMessages"/>
    /// is what diagnostics call the file.</summary>
    public static ModelGraph Read(byte[] bytes, string fileNameForMessages)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        var model = Parse(bytes, fileNameForMessages);
        return new GraphDecoder(fileNameForMessages).Decode(model);
    }

    private static ModelProto Parse(byte[] bytes, string file)
    {
        if (bytes.Length == 0)
            throw new DiagnosticException(ModelDiagnosticCodes.NotOnnx, "the file is empty; expected an ONNX model", file);
        ModelProto model;
        try
        {
            model = ModelProto.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException e) when (e.Message.Contains("truncated", StringComparison.OrdinalIgnoreCase))
        {
            throw new DiagnosticException(ModelDiagnosticCodes.Truncated,
                "the file ends in the middle of a field; it is truncated (an interrupted copy or download?) or not an ONNX model", file);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new DiagnosticException(ModelDiagnosticCodes.NotOnnx, $"not an ONNX model: {e.Message}", file);
        }

        // Random bytes sometimes parse as a protobuf message; an ONNX model must have both of these.
        if (!model.HasIrVersion || model.Graph is null)
            throw new DiagnosticException(ModelDiagnosticCodes.NotOnnx,
                $"not an ONNX model: {(model.HasIrVersion ? "it has no graph" : "it has no ir_version")}", file);
        return model;
    }

    /// <summary>One read: turns a parsed ModelProto into a checked ModelGraph.</summary>
    private sealed class GraphDecoder(string file)
    {
        private const string DefaultDomain = "ai.onnx";

        private DiagnosticException Fail(string code, string message, string? node = null) => new(code, message, file, node);

        public ModelGraph Decode(ModelProto model)
        {
            var g = model.Graph;
            var graph = new ModelGraph
            {
                Name = g.HasName ? g.Name : "model",
                ProducerName = model.ProducerName,
                OpsetVersion = DefaultOpset(model),
                SourceFile = file,
            };
            ReadMetadata(model, graph);

            if (g.SparseInitializer.Count > 0)
                throw Fail(ModelDiagnosticCodes.UnsupportedTensorForm,
                    $"the graph has sparse initializers ('{g.SparseInitializer[0].Values?.Name}'); TruncEdge reads dense tensors only");
            foreach (var init in g.Initializer)
            {
                if (init.Name.Length == 0)
                    throw Fail(ModelDiagnosticCodes.UnnamedTensor, "an initializer has no name");
                if (graph.Initializers.ContainsKey(init.Name))
                    throw Fail(ModelDiagnosticCodes.DuplicateName, $"initializer '{init.Name}' is given twice");
                graph.Initializers.Add(init.Name, TensorCodec.Decode(init, init.Name, $"initializer '{init.Name}'", file, null));
            }

            // Older exporters list every initializer as a graph input too; those are not inputs.
            var available = new HashSet<string>(graph.Initializers.Keys, StringComparer.Ordinal);
            foreach (var input in g.Input)
            {
                if (graph.Initializers.ContainsKey(input.Name))
                    continue;
                var info = DecodeValueInfo(input, "input");
                if (!available.Add(info.Name))
                    throw Fail(ModelDiagnosticCodes.DuplicateName, $"graph input '{info.Name}' is given twice");
                graph.Inputs.Add(info);
            }

            ReadNodes(g, graph, available);

            var outputs = new HashSet<string>(StringComparer.Ordinal);
            foreach (var output in g.Output)
            {
                var info = DecodeValueInfo(output, "output");
                if (!outputs.Add(info.Name))
                    throw Fail(ModelDiagnosticCodes.DuplicateName, $"graph output '{info.Name}' is given twice");
                if (!available.Contains(info.Name))
                    throw Fail(ModelDiagnosticCodes.MissingOutput, $"graph output '{info.Name}' is not produced by any node");
                graph.Outputs.Add(info);
            }
            return graph;
        }

        private long DefaultOpset(ModelProto model)
        {
            var versions = model.OpsetImport.Where(o => o.Domain.Length == 0 || o.Domain == DefaultDomain).Select(o => o.Version).ToList();
            if (versions.Count == 0)
                throw Fail(ModelDiagnosticCodes.NoDefaultOpset, "the model imports no opset of the default ONNX domain (opset_import with domain \"\")");
            var version = versions.Max();
            if (version <= 0)
                throw Fail(ModelDiagnosticCodes.NoDefaultOpset, $"the model imports default-domain opset version {version}; expected a positive version");
            return version;
        }

        private void ReadMetadata(ModelProto model, ModelGraph graph)
        {
            foreach (var entry in model.MetadataProps)
            {
                if (!graph.Metadata.TryAdd(entry.Key, entry.Value))
                    throw Fail(ModelDiagnosticCodes.DuplicateMetadata, $"metadata key '{entry.Key}' is given twice");
            }
        }

        private void ReadNodes(GraphProto g, ModelGraph graph, HashSet<string> available)
        {
            // Who produces what, over the whole graph, only to tell "misordered" from "missing".
            var producers = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var n in g.Node)
                foreach (var o in n.Output)
                    producers.TryAdd(o, NodeLabel(n));

            foreach (var n in g.Node)
            {
                var label = NodeLabel(n);
                if (n.Domain.Length > 0 && n.Domain != DefaultDomain)
                    throw Fail(ModelDiagnosticCodes.UnsupportedDomain,
                        $"op {n.OpType} of domain '{n.Domain}'; TruncEdge reads ops of the default ONNX domain only", label);
                if (n.OpType.Length == 0)
                    throw Fail(ModelDiagnosticCodes.BadNode, "the node has no op_type", label);
                if (n.Output.All(o => o.Length == 0))
                    throw Fail(ModelDiagnosticCodes.BadNode, $"the {n.OpType} node has no outputs", label);

                var attributes = AttributeCodec.DecodeAll(n, label, file);

                foreach (var input in n.Input)
                {
                    if (input.Length == 0 || available.Contains(input))
                        continue;
                    throw producers.TryGetValue(input, out var later)
                        ? Fail(ModelDiagnosticCodes.NotTopological,
                            $"input '{input}' is produced by node '{later}', which comes later; nodes must be sorted topologically", label)
                        : Fail(ModelDiagnosticCodes.MissingInput,
                            $"input '{input}' is not a graph input, an initializer or the output of any node", label);
                }
                foreach (var output in n.Output)
                {
                    if (output.Length > 0 && !available.Add(output))
                        throw Fail(ModelDiagnosticCodes.DuplicateName,
                            $"output '{output}' already names a graph input, an initializer or another node's output", label);
                }

                if (n.OpType == "Constant")
                {
                    var constant = FoldConstant(n, label, attributes);
                    graph.Initializers.Add(constant.Name, constant);
                }
                else
                {
                    graph.Nodes.Add(new Node(n.Name, n.OpType, n.Input.ToArray(), n.Output.ToArray(), attributes));
                }
            }
        }

        /// <summary>A Constant node becomes an initializer named after its output.</summary>
        private TensorData FoldConstant(NodeProto n, string label, Dictionary<string, AttributeValue> attributes)
        {
            var outputs = n.Output.Where(o => o.Length > 0).ToList();
            if (n.Input.Any(i => i.Length > 0) || outputs.Count != 1 || attributes.Count != 1)
                throw Fail(ModelDiagnosticCodes.BadConstant, "a Constant node needs no inputs, one output and one value attribute", label);
            var name = outputs[0];
            var (key, value) = attributes.Single();
            return key switch
            {
                "value" when value.Tensor is { } t => Renamed(t, name),
                "value_float" when value.Float is { } f => CheckedFloats(name, [], [f], label),
                "value_floats" when value.Floats is { } fs => CheckedFloats(name, [fs.Length], fs, label),
                "value_int" when value.Int is { } i => TensorData.FromInt64s(name, [], [i]),
                "value_ints" when value.Ints is { } ints => TensorData.FromInt64s(name, [ints.Length], ints),
                _ => throw Fail(ModelDiagnosticCodes.BadConstant,
                    $"Constant attribute '{key}' is not supported; expected value, value_float, value_floats, value_int or value_ints", label),
            };
        }

        private static TensorData Renamed(TensorData t, string name) =>
            new(name, t.Type, t.Dims) { Floats = t.Floats, Doubles = t.Doubles, Bytes = t.Bytes, Ints = t.Ints };

        private TensorData CheckedFloats(string name, long[] dims, float[] values, string label)
        {
            var bad = Array.FindIndex(values, v => !float.IsFinite(v));
            if (bad >= 0)
                throw Fail(ModelDiagnosticCodes.NonFiniteValue, $"Constant '{name}' holds a non-finite value at index {bad}", label);
            return TensorData.FromFloats(name, dims, values);
        }

        private ValueInfo DecodeValueInfo(ValueInfoProto v, string role)
        {
            if (v.Name.Length == 0)
                throw Fail(ModelDiagnosticCodes.BadGraphValue, $"a graph {role} has no name");
            if (v.Type?.TensorType is not { } tensorType)
                throw Fail(ModelDiagnosticCodes.BadGraphValue, $"graph {role} '{v.Name}' is not a tensor");
            DataType type;
            if (tensorType.ElemType == 0 && role == "output")
                type = DataType.Undefined; // outputs may leave their type to inference
            else
                type = TensorCodec.ToDataType(tensorType.ElemType)
                    ?? throw Fail(ModelDiagnosticCodes.UnsupportedDataType,
                        $"graph {role} '{v.Name}' has element type {TensorCodec.TypeName(tensorType.ElemType)}");

            // No shape at all reads as an empty Shape; a symbolic or unknown dim as -1.
            var shape = tensorType.Shape?.Dim.Select(d => d.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue ? d.DimValue : -1).ToArray() ?? [];
            var negative = tensorType.Shape?.Dim.FirstOrDefault(d => d.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue && d.DimValue < 0);
            if (negative is not null)
                throw Fail(ModelDiagnosticCodes.BadGraphValue, $"graph {role} '{v.Name}' has a negative dim {negative.DimValue}");
            return new ValueInfo(v.Name, type, shape);
        }

        private static string NodeLabel(NodeProto n) =>
            n.Name.Length > 0 ? n.Name : $"{n.OpType}->{(n.Output.Count > 0 ? n.Output[0] : "?")}";
    }
}
