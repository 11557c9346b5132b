using TruncEdge.Model.Graph;

namespace TruncEdge.Model.Tests;

/// <summary>Bit-exact comparison of two graphs: nodes, attributes, initializers, inputs, outputs, metadata.</summary>
internal static class GraphAssert
{
    public static void Equal(ModelGraph expected, ModelGraph actual)
    {
        Assert.Equal(expected.Name, actual.Name);
        Assert.Equal(expected.ProducerName, actual.ProducerName);
        Assert.Equal(expected.OpsetVersion, actual.OpsetVersion);
        Assert.Equal(expected.Metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal), actual.Metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal));
        Assert.Equal(expected.Inputs.Count, actual.Inputs.Count);
        for (var i = 0; i < expected.Inputs.Count; i++)
            ValueInfoEqual(expected.Inputs[i], actual.Inputs[i]);
        Assert.Equal(expected.Outputs.Count, actual.Outputs.Count);
        for (var i = 0; i < expected.Outputs.Count; i++)
            ValueInfoEqual(expected.Outputs[i], actual.Outputs[i]);

        Assert.Equal(expected.Nodes.Count, actual.Nodes.Count);
        for (var i = 0; i < expected.Nodes.Count; i++)
            NodeEqual(expected.Nodes[i], actual.Nodes[i]);

        Assert.Equal(expected.Initializers.Keys, actual.Initializers.Keys);
        foreach (var (name, tensor) in expected.Initializers)
            TensorEqual(tensor, actual.Initializers[name]);
    }

    public static void ValueInfoEqual(ValueInfo expected, ValueInfo actual)
    {
        Assert.Equal(expected.Name, actual.Name);
        Assert.Equal(expected.ElementType, actual.ElementType);
        Assert.Equal(expected.Shape, actual.Shape);
    }

    public static void NodeEqual(Node expected, Node actual)
    {
        Assert.Equal(expected.Name, actual.Name);
        Assert.Equal(expected.OpType, actual.OpType);
        Assert.Equal(expected.Inputs, actual.Inputs);
        Assert.Equal(expected.Outputs, actual.Outputs);
        Assert.Equal(expected.Attributes.Keys.Order(StringComparer.Ordinal), actual.Attributes.Keys.Order(StringComparer.Ordinal));
        foreach (var (key, value) in expected.Attributes)
        {
            var other = actual.Attributes[key];
            Assert.Equal(value.Int, other.Int);
            Assert.Equal(Bits(value.Float), Bits(other.Float));
            Assert.Equal(value.String, other.String);
            Assert.Equal(value.Ints, other.Ints);
            Assert.Equal(value.Floats?.Select(BitConverter.SingleToInt32Bits), other.Floats?.Select(BitConverter.SingleToInt32Bits));
            Assert.Equal(value.Tensor is null, other.Tensor is null);
            if (value.Tensor is not null)
                TensorEqual(value.Tensor, other.Tensor!);
        }
    }

    public static void TensorEqual(TensorData expected, TensorData actual)
    {
        Assert.Equal(expected.Name, actual.Name);
        Assert.Equal(expected.Type, actual.Type);
        Assert.Equal(expected.Dims, actual.Dims);
        Assert.Equal(expected.Floats?.Select(BitConverter.SingleToInt32Bits), actual.Floats?.Select(BitConverter.SingleToInt32Bits));
        Assert.Equal(expected.Doubles?.Select(BitConverter.DoubleToInt64Bits), actual.Doubles?.Select(BitConverter.DoubleToInt64Bits));
        Assert.Equal(expected.Bytes, actual.Bytes);
        Assert.Equal(expected.Ints, actual.Ints);
    }

    private static int? Bits(float? f) => f is { } v ? BitConverter.SingleToInt32Bits(v) : null;
}
