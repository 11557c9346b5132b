using System.Text;
using Google.Protobuf;
using TruncEdge.Model.Diagnostics;
using TruncEdge.Model.Graph;
using TruncEdge.Model.Onnx.Proto;
using AttributeType = TruncEdge.Model.Onnx.Proto.AttributeProto.Types.AttributeType;

namespace TruncEdge.Model.Onnx;

/// <summary>
/// Converts between ONNX AttributeProto and <see cref="AttributeValue"/>. Only the kinds the
/// supported ops use are read (float, int, string, tensor, floats, ints); anything else is
/// refused by name rather than dropped, so a node never loses an attribute silently.
/// </summary>
internal static class AttributeCodec
{
    public static Dictionary<string, AttributeValue> DecodeAll(NodeProto node, string nodeLabel, string file)
    {
        var result = new Dictionary<string, AttributeValue>(StringComparer.Ordinal);
        foreach (var attr in node.Attribute)
        {
            DiagnosticException Fail(string code, string message) => new(code, message, file, nodeLabel);

            if (attr.Name.Length == 0)
                throw Fail(ModelDiagnosticCodes.BadAttribute, "an attribute has no name");
            if (attr.RefAttrName.Length > 0)
                throw Fail(ModelDiagnosticCodes.BadAttribute,
                    $"attribute '{attr.Name}' refers to a function attribute ('{attr.RefAttrName}'), which only functions may do");
            if (result.ContainsKey(attr.Name))
                throw Fail(ModelDiagnosticCodes.BadAttribute, $"attribute '{attr.Name}' is given twice");
            result.Add(attr.Name, Decode(attr, nodeLabel, file, Fail));
        }
        return result;
    }

    private static AttributeValue Decode(AttributeProto attr, string nodeLabel, string file, Func<string, string, DiagnosticException> fail)
    {
        // IR version 1 files carry no type discriminator; there the set field decides.
        var type = attr.Type != AttributeType.Undefined ? attr.Type : InferType(attr);
        return type switch
        {
            AttributeType.Float => AttributeValue.Of(attr.F),
            AttributeType.Int => AttributeValue.Of(attr.I),
            AttributeType.String => AttributeValue.Of(Encoding.UTF8.GetString(attr.S.Span)),
            AttributeType.Floats => new AttributeValue { Floats = attr.Floats.ToArray() },
            AttributeType.Ints => new AttributeValue { Ints = attr.Ints.ToArray() },
            AttributeType.Tensor when attr.T is not null => AttributeValue.Of(TensorCodec.Decode(attr.T,
                attr.T.Name.Length > 0 ? attr.T.Name : $"{nodeLabel}.{attr.Name}", $"tensor of attribute '{attr.Name}'", file, nodeLabel)),
            AttributeType.Tensor or AttributeType.Undefined =>
                throw fail(ModelDiagnosticCodes.BadAttribute, $"attribute '{attr.Name}' has no value"),
            _ => throw fail(ModelDiagnosticCodes.UnsupportedAttribute,
                $"attribute '{attr.Name}' is of kind {type.ToString().ToUpperInvariant()}; TruncEdge reads FLOAT, INT, STRING, TENSOR, FLOATS and INTS attributes"),
        };
    }

    private static AttributeType InferType(AttributeProto a) =>
        a.HasF ? AttributeType.Float
        : a.HasI ? AttributeType.Int
        : a.HasS ? AttributeType.String
        : a.T is not null ? AttributeType.Tensor
        : a.G is not null ? AttributeType.Graph
        : a.Floats.Count > 0 ? AttributeType.Floats
        : a.Ints.Count > 0 ? AttributeType.Ints
        : a.Strings.Count > 0 ? AttributeType.Strings
        : a.Tensors.Count > 0 ? AttributeType.Tensors
        : a.Graphs.Count > 0 ? AttributeType.Graphs
        : AttributeType.Undefined;

    /// <summary>Encodes one attribute; an AttributeValue with no member or several set is a bug.</summary>
    public static AttributeProto Encode(string name, AttributeValue value, string nodeLabel)
    {
        var set = (value.Int is not null ? 1 : 0) + (value.Float is not null ? 1 : 0) + (value.String is not null ? 1 : 0)
            + (value.Ints is not null ? 1 : 0) + (value.Floats is not null ? 1 : 0) + (value.Tensor is not null ? 1 : 0);
        if (set != 1)
            throw new ArgumentException($"node {nodeLabel}: attribute {name} must have exactly one value, has {set}");

        var proto = new AttributeProto { Name = name };
        if (value.Int is { } i)
        {
            proto.Type = AttributeType.Int;
            proto.I = i;
        }
        else if (value.Float is { } f)
        {
            proto.Type = AttributeType.Float;
            proto.F = f;
        }
        else if (value.String is { } s)
        {
            proto.Type = AttributeType.String;
            proto.S = ByteString.CopyFromUtf8(s);
        }
        else if (value.Ints is { } ints)
        {
            proto.Type = AttributeType.Ints;
            proto.Ints.AddRange(ints);
        }
        else if (value.Floats is { } floats)
        {
            proto.Type = AttributeType.Floats;
            proto.Floats.AddRange(floats);
        }
        else
        {
            proto.Type = AttributeType.Tensor;
            proto.T = TensorCodec.Encode(value.Tensor!, value.Tensor!.Name);
        }
        return proto;
    }
}
