using Google.Protobuf;
using TruncEdge.Model.Diagnostics;
using TruncEdge.Model.Graph;
using TruncEdge.Model.Onnx.Proto;

namespace TruncEdge.Model.Onnx;

/// <summary>
/// Writes a <see cref="ModelGraph"/> as an ONNX model: IR version 8, one default-domain opset
/// (<see cref="ModelGraph.OpsetVersion"/>), every tensor in raw_data, shapes on the graph inputs
/// and outputs. The output is deterministic: attributes and metadata are sorted by name,
/// nodes and initializers keep the graph's order.
/// </summary>
public static class OnnxWriter
{
    /// <summary>The ONNX IR version written (ONNX 1.10 and later read it).</summary>
    public const long IrVersion = 8;

    /// <summary>
    /// Writes <paramref name="graph"/> to <paramref name="path"/>. The bytes go to a temporary
    /// file in the same folder, which is then renamed over <paramref name="path"/>, so a failure
    /// leaves either the old file or nothing, never half a model. I/O failures are
    /// <see cref="DiagnosticException"/>s (TE1090); an inconsistent graph is a bug
    /// (<see cref="ArgumentException"/>).
    /// </summary>
    public static void Write(ModelGraph graph, string path)
    {
        var bytes = ToBytes(graph);
        string? temp = null;
        try
        {
            var full = Path.GetFullPath(path);
            var folder = Path.GetDirectoryName(full) ?? throw new IOException($"{path} has no parent folder");
            temp = Path.Combine(folder, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
            temp = null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new DiagnosticException(ModelDiagnosticCodes.CannotWrite, $"cannot write the model: {e.Message}", path);
        }
        finally
        {
            if (temp is not null)
                TryDelete(temp);
        }
    }

    /// <summary>The ONNX bytes of <paramref name="graph"/>.</summary>
    public static byte[] ToBytes(ModelGraph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var header = new ModelProto { IrVersion = IrVersion, ProducerName = graph.ProducerName };
        header.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = graph.OpsetVersion });
        foreach (var (key, value) in graph.Metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            header.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });

        // The graph goes last (protobuf allows any field order): then every strict prefix of
        // the file either ends inside a field or lacks the graph, so the reader reports a
        // truncated file instead of reading a model that silently lost its tail.
        using var buffer = new MemoryStream();
        var output = new CodedOutputStream(buffer);
        header.WriteTo(output);
        output.WriteTag(ModelProto.GraphFieldNumber, WireFormat.WireType.LengthDelimited);
        output.WriteMessage(EncodeGraph(graph));
        output.Flush();
        return buffer.ToArray();
    }

    private static GraphProto EncodeGraph(ModelGraph graph)
    {
        var g = new GraphProto { Name = graph.Name };
        foreach (var node in graph.Nodes)
            g.Node.Add(EncodeNode(node));
        foreach (var (name, tensor) in graph.Initializers)
        {
            if (tensor.Name != name)
                throw new ArgumentException($"initializer key '{name}' holds a tensor named '{tensor.Name}'");
            g.Initializer.Add(TensorCodec.Encode(tensor, name));
        }
        foreach (var input in graph.Inputs)
            g.Input.Add(EncodeValueInfo(input));
        foreach (var output in graph.Outputs)
            g.Output.Add(EncodeValueInfo(output));
        return g;
    }

    private static NodeProto EncodeNode(Node node)
    {
        var proto = new NodeProto { OpType = node.OpType };
        if (node.Name.Length > 0)
            proto.Name = node.Name;
        proto.Input.AddRange(node.Inputs);
        proto.Output.AddRange(node.Outputs);
        foreach (var (name, value) in node.Attributes.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            proto.Attribute.Add(AttributeCodec.Encode(name, value, node.Label));
        return proto;
    }

    private static ValueInfoProto EncodeValueInfo(ValueInfo info)
    {
        var tensor = new TypeProto.Types.Tensor { ElemType = (int)info.ElementType };
        // An empty Shape means "unknown" (see OnnxReader); it is written as no shape at all.
        if (info.Shape.Length > 0)
        {
            tensor.Shape = new TensorShapeProto();
            foreach (var d in info.Shape)
                tensor.Shape.Dim.Add(d >= 0 ? new TensorShapeProto.Types.Dimension { DimValue = d } : new TensorShapeProto.Types.Dimension());
        }
        return new ValueInfoProto { Name = info.Name, Type = new TypeProto { TensorType = tensor } };
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The temp file is hidden and uniquely named; failing to remove it must not hide the
            // original error.
        }
    }
}
