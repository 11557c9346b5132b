using System.Buffers.Binary;
using Google.Protobuf;
using TruncEdge.Model.Graph;
using TruncEdge.Model.Onnx;
using TruncEdge.Model.Onnx.Proto;

namespace TruncEdge.Model.Tests;

/// <summary>
/// Pins onnx.proto to the official field numbers with bytes written by hand, independent of the
/// generated code: a tag byte is (field number &lt;&lt; 3) | wire type (0 varint, 1 fixed64,
/// 2 length-delimited, 5 fixed32). The numbers are those of onnx/onnx.proto upstream.
/// </summary>
public sealed class ProtoFieldNumberTests
{
    [Fact]
    public void NodeProtoTags()
    {
        var node = new NodeProto { Name = "n", OpType = "Conv" };
        node.Input.Add("x");
        node.Output.Add("y");
        node.Attribute.Add(new AttributeProto { Name = "group", Type = AttributeProto.Types.AttributeType.Int, I = 0 });
        // input=1, output=2, name=3, op_type=4, attribute=5; attribute: name=1, i=3 (kept even
        // though it is 0: proto2 presence), type=20 (tag 0xa0 0x01), INT = 2.
        byte[] expected =
        [
            0x0a, 1, (byte)'x',
            0x12, 1, (byte)'y',
            0x1a, 1, (byte)'n',
            0x22, 4, (byte)'C', (byte)'o', (byte)'n', (byte)'v',
            0x2a, 12, 0x0a, 5, (byte)'g', (byte)'r', (byte)'o', (byte)'u', (byte)'p', 0x18, 0, 0xa0, 0x01, 2,
        ];
        Assert.Equal(expected, node.ToByteArray());
        Assert.Equal(expected, NodeProto.Parser.ParseFrom(expected).ToByteArray());
    }

    [Fact]
    public void AttributeKindsTags()
    {
        Assert.Equal(new byte[] { 0x0a, 1, (byte)'a', 0x15, 0, 0, 0x80, 0x3f, 0xa0, 0x01, 1 },
            new AttributeProto { Name = "a", F = 1f, Type = AttributeProto.Types.AttributeType.Float }.ToByteArray());
        Assert.Equal(new byte[] { 0x0a, 1, (byte)'a', 0x22, 2, (byte)'h', (byte)'i', 0xa0, 0x01, 3 },
            new AttributeProto { Name = "a", S = ByteString.CopyFromUtf8("hi"), Type = AttributeProto.Types.AttributeType.String }.ToByteArray());
        // ints = 8 and floats = 7, not packed in ONNX's proto2 file: one tag per element.
        var ints = new AttributeProto { Name = "a", Type = AttributeProto.Types.AttributeType.Ints };
        ints.Ints.AddRange([1, 2]);
        Assert.Equal(new byte[] { 0x0a, 1, (byte)'a', 0x40, 1, 0x40, 2, 0xa0, 0x01, 7 }, ints.ToByteArray());
        var floats = new AttributeProto { Name = "a", Type = AttributeProto.Types.AttributeType.Floats };
        floats.Floats.Add(1f);
        Assert.Equal(new byte[] { 0x0a, 1, (byte)'a', 0x3d, 0, 0, 0x80, 0x3f, 0xa0, 0x01, 6 }, floats.ToByteArray());
        var tensor = new AttributeProto { Name = "a", T = new TensorProto(), Type = AttributeProto.Types.AttributeType.Tensor };
        Assert.Equal(new byte[] { 0x0a, 1, (byte)'a', 0x2a, 0, 0xa0, 0x01, 4 }, tensor.ToByteArray());
    }

    [Fact]
    public void TensorProtoTags()
    {
        var t = new TensorProto { DataType = 1, Name = "w", RawData = ByteString.CopyFrom(1, 2) };
        t.Dims.AddRange([2, 3]);
        // dims=1 (varint, not packed), data_type=2, name=8, raw_data=9.
        Assert.Equal(new byte[] { 0x08, 2, 0x08, 3, 0x10, 1, 0x42, 1, (byte)'w', 0x4a, 2, 1, 2 }, t.ToByteArray());

        // float_data=4, int32_data=5, int64_data=7, double_data=10: packed in ONNX's file.
        var typed = new TensorProto();
        typed.FloatData.Add(1f);
        typed.Int32Data.Add(5);
        typed.Int64Data.Add(7);
        typed.DoubleData.Add(1.0);
        byte[] expected =
        [
            0x22, 4, 0, 0, 0x80, 0x3f,
            0x2a, 1, 5,
            0x3a, 1, 7,
            0x52, 8, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f,
        ];
        Assert.Equal(expected, typed.ToByteArray());
        // external_data=13, data_location=14.
        var external = new TensorProto { DataLocation = TensorProto.Types.DataLocation.External };
        external.ExternalData.Add(new StringStringEntryProto { Key = "k", Value = "v" });
        Assert.Equal(new byte[] { 0x6a, 6, 0x0a, 1, (byte)'k', 0x12, 1, (byte)'v', 0x70, 1 }, external.ToByteArray());
    }

    [Fact]
    public void GraphModelAndValueInfoTags()
    {
        var g = new GraphProto { Name = "g" };
        g.Node.Add(new NodeProto());
        g.Initializer.Add(new TensorProto());
        g.Input.Add(new ValueInfoProto());
        g.Output.Add(new ValueInfoProto());
        g.ValueInfo.Add(new ValueInfoProto());
        // node=1, name=2, initializer=5, input=11, output=12, value_info=13.
        Assert.Equal(new byte[] { 0x0a, 0, 0x12, 1, (byte)'g', 0x2a, 0, 0x5a, 0, 0x62, 0, 0x6a, 0 }, g.ToByteArray());

        var m = new ModelProto { IrVersion = 8, ProducerName = "p", Graph = new GraphProto() };
        m.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 13 });
        m.MetadataProps.Add(new StringStringEntryProto { Key = "k", Value = "v" });
        // ir_version=1, producer_name=2, graph=7, opset_import=8 (domain=1, version=2), metadata_props=14.
        Assert.Equal(new byte[] { 0x08, 8, 0x12, 1, (byte)'p', 0x3a, 0, 0x42, 4, 0x0a, 0, 0x10, 13, 0x72, 6, 0x0a, 1, (byte)'k', 0x12, 1, (byte)'v' },
            m.ToByteArray());

        // ValueInfoProto name=1, type=2; TypeProto tensor_type=1; Tensor elem_type=1, shape=2;
        // TensorShapeProto dim=1; Dimension dim_value=1, dim_param=2.
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = 3 });
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = "N" });
        var v = new ValueInfoProto { Name = "x", Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = 2, Shape = shape } } };
        Assert.Equal(new byte[] { 0x0a, 1, (byte)'x', 0x12, 15, 0x0a, 13, 0x08, 2, 0x12, 9, 0x0a, 2, 0x08, 3, 0x0a, 3, 0x12, 1, (byte)'N' },
            v.ToByteArray());
    }

    [Fact]
    public void HandEncodedModelReads()
    {
        // A whole model written byte by byte from the official numbers: an uint8 input, a
        // DequantizeLinear with initializers in three encodings (unpacked float_data, int32_data,
        // raw_data), metadata. Fields are deliberately out of number order.
        var scale = Message(Bytes(0x08, 1), Bytes(0x10, 1), Bytes(0x25), Float(0.5f), Str(0x42, "s")); // dims [1], FLOAT, float_data (unpacked), name
        var zeroPoint = Message(Bytes(0x10, 2), Str(0x42, "z"), Bytes(0x28, 0)); // UINT8 scalar, int32_data unpacked
        var extra = Message(Bytes(0x08, 2), Bytes(0x10, 7), Str(0x42, "e"), LengthDelimited(0x4a, Int64Le(-1), Int64Le(5)));
        var node = Message(Str(0x22, "DequantizeLinear"), Str(0x0a, "x"), Str(0x0a, "s"), Str(0x0a, "z"), Str(0x12, "y"), Str(0x1a, "dq"));
        var input = Message(Str(0x0a, "x"), LengthDelimited(0x12, LengthDelimited(0x0a, Bytes(0x08, 2),
            LengthDelimited(0x12, LengthDelimited(0x0a, Bytes(0x08, 1)), LengthDelimited(0x0a, Bytes(0x08, 4))))));
        var output = Message(Str(0x0a, "y"), LengthDelimited(0x12, LengthDelimited(0x0a, Bytes(0x08, 1))));
        var graph = Message(LengthDelimited(0x0a, node), Str(0x12, "hand"), LengthDelimited(0x2a, scale), LengthDelimited(0x2a, zeroPoint),
            LengthDelimited(0x2a, extra), LengthDelimited(0x5a, input), LengthDelimited(0x62, output));
        var model = Message(LengthDelimited(0x3a, graph), Bytes(0x08, 7), Str(0x12, "hand"),
            LengthDelimited(0x42, Str(0x0a, "ai.onnx"), Bytes(0x10, 13)),
            LengthDelimited(0x72, Str(0x0a, "truncquant.profile"), Str(0x12, "1")));

        var read = OnnxReader.Read(model, "hand.onnx");
        Assert.Equal("hand", read.Name);
        Assert.Equal("hand", read.ProducerName);
        Assert.Equal(13, read.OpsetVersion);
        Assert.Equal("1", read.Metadata["truncquant.profile"]);
        GraphAssert.ValueInfoEqual(new ValueInfo("x", DataType.UInt8, [1, 4]), Assert.Single(read.Inputs));
        GraphAssert.ValueInfoEqual(new ValueInfo("y", DataType.Float, []), Assert.Single(read.Outputs));
        var dq = Assert.Single(read.Nodes);
        Assert.Equal(("dq", "DequantizeLinear"), (dq.Name, dq.OpType));
        Assert.Equal(new[] { "x", "s", "z" }, dq.Inputs);
        GraphAssert.TensorEqual(TensorData.FromFloats("s", [1], [0.5f]), read.Initializers["s"]);
        GraphAssert.TensorEqual(TensorData.FromBytes("z", [], [0]), read.Initializers["z"]);
        GraphAssert.TensorEqual(TensorData.FromInt64s("e", [2], [-1, 5]), read.Initializers["e"]);
    }

    private static byte[] Bytes(params byte[] b) => b;

    private static byte[] Float(float f)
    {
        var b = new byte[4];
        BinaryPrimitives.WriteSingleLittleEndian(b, f);
        return b;
    }

    private static byte[] Int64Le(long v)
    {
        var b = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(b, v);
        return b;
    }

    private static byte[] Str(byte tag, string s) => LengthDelimited(tag, System.Text.Encoding.UTF8.GetBytes(s));

    private static byte[] Message(params byte[][] parts) => parts.SelectMany(p => p).ToArray();

    /// <summary>A length-delimited field: tag, varint length, content.</summary>
    private static byte[] LengthDelimited(byte tag, params byte[][] parts)
    {
        var content = Message(parts);
        var length = new List<byte>();
        var n = (uint)content.Length;
        do
        {
            var b = (byte)(n & 0x7f);
            n >>= 7;
            length.Add(n == 0 ? b : (byte)(b | 0x80));
        }
        while (n != 0);
        return [tag, .. length, .. content];
    }
}
