using Google.Protobuf;
using TruncEdge.Model.Graph;
using TruncEdge.Model.Onnx;
using TruncEdge.Model.Onnx.Proto;

namespace TruncEdge.Model.Tests;

/// <summary>Access to the generated ONNX messages, to make files the writer never would.</summary>
internal static class Proto
{
    public static ModelProto Parse(byte[] bytes) => ModelProto.Parser.ParseFrom(bytes);

    public static ModelProto Of(ModelGraph graph) => Parse(OnnxWriter.ToBytes(graph));

    /// <summary>Writes the graph, lets <paramref name="edit"/> change the protobuf, returns the bytes.</summary>
    public static byte[] Edited(ModelGraph graph, Action<ModelProto> edit)
    {
        var model = Of(graph);
        edit(model);
        return model.ToByteArray();
    }

    public static TensorProto Initializer(ModelProto model, string name) => model.Graph.Initializer.Single(t => t.Name == name);

    public static NodeProto Node(ModelProto model, string name) => model.Graph.Node.Single(n => n.Name == name);
}
