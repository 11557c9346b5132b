using Google.Protobuf;
using TruncEdge.Model.Graph;
using TruncEdge.Model.Onnx;
using TruncEdge.Model.Onnx.Proto;
using AttributeType = TruncEdge.Model.Onnx.Proto.AttributeProto.Types.AttributeType;

namespace TruncEdge.Model.Tests;

/// <summary>The other encodings ONNX files use (typed fields, Constant nodes, initializers listed as inputs, ...).</summary>
public sealed class OnnxReaderFormsTests
{
    private const string File = "forms.onnx";

    [Fact]
    public void TypedFieldsReadLikeRawData()
    {
        var graph = TestModels.Mlp();
        var bytes = Proto.Edited(graph, m =>
        {
            var w = Proto.Initializer(m, "gemm0.weight");
            w.FloatData.AddRange(graph.Initializers["gemm0.weight"].Floats!);
            w.ClearRawData();
            var zp = Proto.Initializer(m, "input.zero_point");
            zp.ClearRawData();
            zp.Int32Data.Add(0);
        });
        GraphAssert.Equal(graph, OnnxReader.Read(bytes, File));
    }

    [Fact]
    public void AllElementTypesFromTypedFields()
    {
        var bytes = Proto.Edited(TestModels.Mlp(), m =>
        {
            var i8 = new TensorProto { Name = "i8", DataType = (int)TensorProto.Types.DataType.Int8 };
            i8.Dims.Add(3);
            i8.Int32Data.AddRange([-128, 0, 127]);
            var i32 = new TensorProto { Name = "i32", DataType = (int)TensorProto.Types.DataType.Int32 };
            i32.Int32Data.Add(-7);
            var i64 = new TensorProto { Name = "i64", DataType = (int)TensorProto.Types.DataType.Int64 };
            i64.Dims.Add(2);
            i64.Int64Data.AddRange([long.MinValue, 3]);
            var d = new TensorProto { Name = "d", DataType = (int)TensorProto.Types.DataType.Double };
            d.DoubleData.Add(0.1);
            m.Graph.Initializer.Add([i8, i32, i64, d]);
        });
        var read = OnnxReader.Read(bytes, File);
        GraphAssert.TensorEqual(new TensorData("i8", DataType.Int8, [3]) { Bytes = [0x80, 0, 0x7f] }, read.Initializers["i8"]);
        GraphAssert.TensorEqual(new TensorData("i32", DataType.Int32, []) { Ints = [-7] }, read.Initializers["i32"]);
        GraphAssert.TensorEqual(TensorData.FromInt64s("i64", [2], [long.MinValue, 3]), read.Initializers["i64"]);
        GraphAssert.TensorEqual(new TensorData("d", DataType.Double, []) { Doubles = [0.1] }, read.Initializers["d"]);
    }

    [Fact]
    public void InitializersListedAsInputsAreNotInputs()
    {
        var bytes = Proto.Edited(TestModels.Mlp(), m =>
        {
            foreach (var t in m.Graph.Initializer)
            {
                m.Graph.Input.Add(new ValueInfoProto
                {
                    Name = t.Name,
                    Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = t.DataType } },
                });
            }
        });
        var read = OnnxReader.Read(bytes, File);
        Assert.Equal("input", Assert.Single(read.Inputs).Name);
    }

    [Fact]
    public void ConstantNodesAreFoldedIntoInitializers()
    {
        var graph = TestModels.Mlp();
        var bytes = Proto.Edited(graph, m =>
        {
            // Move the first Gemm's weight into a Constant node, the way torch.onnx.export does.
            var w = Proto.Initializer(m, "gemm0.weight");
            m.Graph.Initializer.Remove(w);
            var constant = new NodeProto { Name = "const_w", OpType = "Constant" };
            constant.Output.Add("gemm0.weight");
            constant.Attribute.Add(new AttributeProto { Name = "value", Type = AttributeType.Tensor, T = w });
            m.Graph.Node.Insert(2, constant);

            var scalar = new NodeProto { OpType = "Constant" };
            scalar.Output.Add("one");
            scalar.Attribute.Add(new AttributeProto { Name = "value_float", Type = AttributeType.Float, F = 1f });
            m.Graph.Node.Insert(0, scalar);
            var ints = new NodeProto { OpType = "Constant" };
            ints.Output.Add("shape");
            var shape = new AttributeProto { Name = "value_ints", Type = AttributeType.Ints };
            shape.Ints.AddRange([1, -1]);
            ints.Attribute.Add(shape);
            m.Graph.Node.Insert(0, ints);
        });
        var read = OnnxReader.Read(bytes, File);
        Assert.DoesNotContain(read.Nodes, n => n.OpType == "Constant");
        Assert.Equal(graph.Nodes.Count, read.Nodes.Count);
        GraphAssert.TensorEqual(graph.Initializers["gemm0.weight"], read.Initializers["gemm0.weight"]);
        GraphAssert.TensorEqual(TensorData.FromFloats("one", [], [1f]), read.Initializers["one"]);
        GraphAssert.TensorEqual(TensorData.FromInt64s("shape", [2], [1, -1]), read.Initializers["shape"]);
    }

    [Fact]
    public void ConstantUsedBeforeItIsDefinedIsNotTopological()
    {
        var bytes = Proto.Edited(TestModels.Mlp(), m =>
        {
            var w = Proto.Initializer(m, "gemm1.weight");
            m.Graph.Initializer.Remove(w);
            var constant = new NodeProto { Name = "late", OpType = "Constant" };
            constant.Output.Add("gemm1.weight");
            constant.Attribute.Add(new AttributeProto { Name = "value", Type = AttributeType.Tensor, T = w });
            m.Graph.Node.Add(constant);
        });
        Diag.Throws(Diagnostics.ModelDiagnosticCodes.NotTopological, () => OnnxReader.Read(bytes, File), file: File, node: "gemm1");
    }

    [Fact]
    public void AttributesWithoutTypeDiscriminator()
    {
        // IR version 1 files had no AttributeProto.type; the set field decides.
        var bytes = Proto.Edited(TestModels.Mlp(), m =>
        {
            foreach (var a in Proto.Node(m, "gemm0").Attribute)
                a.ClearType();
        });
        var read = OnnxReader.Read(bytes, File);
        var gemm = read.Nodes.Single(n => n.Name == "gemm0");
        Assert.Equal(1, gemm.GetInt("transB", 0));
        Assert.Equal(1f, gemm.GetFloat("alpha", 0f));
    }

    [Fact]
    public void StringAndFloatsAttributes()
    {
        var bytes = Proto.Edited(TestModels.Mlp(), m =>
        {
            var node = Proto.Node(m, "gemm0");
            node.Attribute.Add(new AttributeProto { Name = "mode", Type = AttributeType.String, S = ByteString.CopyFromUtf8("constant") });
            var floats = new AttributeProto { Name = "scales", Type = AttributeType.Floats };
            floats.Floats.AddRange([0.5f, 2f]);
            node.Attribute.Add(floats);
        });
        var gemm = OnnxReader.Read(bytes, File).Nodes.Single(n => n.Name == "gemm0");
        Assert.Equal("constant", gemm.GetString("mode"));
        Assert.Equal(new[] { 0.5f, 2f }, gemm.Attributes["scales"].Floats);
    }

    [Fact]
    public void AiOnnxDomainAndSeveralOpsets()
    {
        var bytes = Proto.Edited(TestModels.Mlp(), m =>
        {
            m.OpsetImport.Clear();
            m.OpsetImport.Add(new OperatorSetIdProto { Domain = "ai.onnx.ml", Version = 3 });
            m.OpsetImport.Add(new OperatorSetIdProto { Domain = "ai.onnx", Version = 17 });
            Proto.Node(m, "bn0").Domain = "ai.onnx";
        });
        Assert.Equal(17, OnnxReader.Read(bytes, File).OpsetVersion);
    }

    [Fact]
    public void UnnamedNodesAndOptionalInputs()
    {
        var bytes = Proto.Edited(TestModels.Mlp(), m =>
        {
            var clip = Proto.Node(m, "aq0.clip");
            clip.ClearName();
            clip.Input[1] = ""; // an omitted optional input
        });
        var read = OnnxReader.Read(bytes, File);
        var clip = read.Nodes.Single(n => n.OpType == "Clip");
        Assert.Equal("", clip.Name);
        Assert.Equal("Clip->aq0.clip", clip.Label);
        Assert.Equal("", clip.Inputs[1]);
    }

    [Fact]
    public void ReadsFromDisk()
    {
        var path = Path.Combine(Path.GetTempPath(), $"truncedge-{Guid.NewGuid():N}.onnx");
        try
        {
            System.IO.File.WriteAllBytes(path, OnnxWriter.ToBytes(TestModels.Mlp()));
            var read = OnnxReader.Read(path);
            Assert.Equal(path, read.SourceFile);
            GraphAssert.Equal(TestModels.Mlp(), read);
        }
        finally
        {
            System.IO.File.Delete(path);
        }
    }
}
