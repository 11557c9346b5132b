using Google.Protobuf;
using TruncEdge.Model.Diagnostics;
using TruncEdge.Model.Graph;
using TruncEdge.Model.Onnx;
using TruncEdge.Model.Onnx.Proto;

namespace TruncEdge.Model.Tests;

/// <summary>Bad files: every one is a DiagnosticException naming the file (and the node or tensor).</summary>
public sealed class OnnxReaderErrorTests
{
    private const string File = "bad.onnx";

    [Fact]
    public void EmptyFile() =>
        Diag.Throws(ModelDiagnosticCodes.NotOnnx, () => OnnxReader.Read([], File), file: File);

    [Fact]
    public void MissingFile()
    {
        var path = Path.Combine(Path.GetTempPath(), $"truncedge-missing-{Guid.NewGuid():N}.onnx");
        Diag.Throws(ModelDiagnosticCodes.CannotRead, () => OnnxReader.Read(path), file: path);
    }

    [Fact]
    public void FolderInsteadOfFile()
    {
        var folder = Directory.CreateTempSubdirectory("truncedge-model-");
        try
        {
            Diag.Throws(ModelDiagnosticCodes.CannotRead, () => OnnxReader.Read(folder.FullName), file: folder.FullName);
        }
        finally
        {
            folder.Delete();
        }
    }

    [Fact]
    public void EveryTruncationIsADiagnostic()
    {
        var bytes = OnnxWriter.ToBytes(TestModels.SmallCnn());
        for (var length = 0; length < bytes.Length; length++)
        {
            var cut = bytes.AsSpan(0, length).ToArray();
            var e = Assert.Throws<DiagnosticException>(() => OnnxReader.Read(cut, File));
            Assert.Equal(File, e.Diagnostic.File);
        }
    }

    [Fact]
    public void TruncationInsideTheGraphSaysTruncated()
    {
        var bytes = OnnxWriter.ToBytes(TestModels.Mlp());
        Diag.Throws(ModelDiagnosticCodes.Truncated, () => OnnxReader.Read(bytes[..(bytes.Length * 2 / 3)], File), file: File);
    }

    [Fact]
    public void RandomGarbageIsADiagnostic()
    {
        for (var seed = 0; seed < 2000; seed++)
        {
            var random = new Random(seed);
            var bytes = new byte[1 + random.Next(seed % 10 == 0 ? 5000 : 200)];
            random.NextBytes(bytes);
            var e = Assert.Throws<DiagnosticException>(() => OnnxReader.Read(bytes, File));
            Assert.Equal(File, e.Diagnostic.File);
        }
    }

    [Fact]
    public void TextFileIsNotOnnx() =>
        Assert.Throws<DiagnosticException>(() => OnnxReader.Read("hello, this is not a model\n"u8.ToArray(), File));

    [Fact]
    public void CorruptedModelsNeverThrowAnythingElse()
    {
        // Flipping bytes of a valid model gives files that parse into all kinds of nonsense:
        // each must read fine or fail with a diagnostic, never with another exception.
        var valid = OnnxWriter.ToBytes(TestModels.SmallCnn());
        for (var seed = 0; seed < 3000; seed++)
        {
            var random = new Random(seed);
            var bytes = (byte[])valid.Clone();
            for (var flips = 1 + random.Next(4); flips > 0; flips--)
                bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
            try
            {
                OnnxReader.Read(bytes, File);
            }
            catch (DiagnosticException e)
            {
                Assert.Equal(File, e.Diagnostic.File);
            }
        }
    }

    [Fact]
    public void WrongRawDataSize()
    {
        var bytes = Proto.Edited(TestModels.Mlp(), m =>
        {
            var t = Proto.Initializer(m, "gemm0.weight");
            t.RawData = ByteString.CopyFrom(t.RawData.Span[..^4]);
        });
        var d = Diag.Throws(ModelDiagnosticCodes.DataSizeMismatch, () => OnnxReader.Read(bytes, File), file: File);
        Assert.Contains("gemm0.weight", d.Message);
    }

    [Fact]
    public void WrongTypedDataCount()
    {
        var bytes = Proto.Edited(TestModels.Mlp(), m =>
        {
            var t = Proto.Initializer(m, "bn0.weight");
            t.ClearRawData();
            t.FloatData.Add(1f);
        });
        var d = Diag.Throws(ModelDiagnosticCodes.DataSizeMismatch, () => OnnxReader.Read(bytes, File), file: File);
        Assert.Contains("bn0.weight", d.Message);
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    [InlineData(float.NegativeInfinity)]
    public void NonFiniteWeightsAreRefusedByName(float bad)
    {
        var graph = TestModels.Mlp();
        graph.Initializers["gemm1.weight"].Floats![5] = bad;
        var d = Diag.Throws(ModelDiagnosticCodes.NonFiniteValue, () => OnnxReader.Read(OnnxWriter.ToBytes(graph), File), file: File);
        Assert.Contains("'gemm1.weight'", d.Message);
        Assert.Contains("index 5", d.Message);
    }

    [Fact]
    public void NonFiniteDoubleIsRefused()
    {
        var graph = TestModels.Mlp();
        graph.Initializers["d"] = new TensorData("d", DataType.Double, [1]) { Doubles = [double.NaN] };
        Diag.Throws(ModelDiagnosticCodes.NonFiniteValue, () => OnnxReader.Read(OnnxWriter.ToBytes(graph), File), file: File);
    }

    [Fact]
    public void NonTopologicalOrder()
    {
        var bytes = Proto.Edited(TestModels.Mlp(), m =>
        {
            var nodes = m.Graph.Node.ToList();
            (nodes[1], nodes[2]) = (nodes[2], nodes[1]);
            m.Graph.Node.Clear();
            m.Graph.Node.AddRange(nodes);
        });
        var d = Diag.Throws(ModelDiagnosticCodes.NotTopological, () => OnnxReader.Read(bytes, File), file: File, node: "gemm0");
        Assert.Contains("flatten0", d.Message);
    }

    [Fact]
    public void MissingInputReference()
    {
        var bytes = Proto.Edited(TestModels.Mlp(), m => Proto.Node(m, "bn0").Input[1] = "no_such_tensor");
        var d = Diag.Throws(ModelDiagnosticCodes.MissingInput, () => OnnxReader.Read(bytes, File), file: File, node: "bn0");
        Assert.Contains("no_such_tensor", d.Message);
    }

    [Fact]
    public void MissingGraphOutput()
    {
        var bytes = Proto.Edited(TestModels.Mlp(), m => m.Graph.Output[0].Name = "nothing");
        Diag.Throws(ModelDiagnosticCodes.MissingOutput, () => OnnxReader.Read(bytes, File), file: File);
    }

    [Fact]
    public void ExternalDataIsRefused()
    {
        var bytes = Proto.Edited(TestModels.Mlp(), m =>
        {
            var t = Proto.Initializer(m, "gemm0.weight");
            t.ClearRawData();
            t.DataLocation = TensorProto.Types.DataLocation.External;
            t.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = "weights.bin" });
        });
        var d = Diag.Throws(ModelDiagnosticCodes.ExternalData, () => OnnxReader.Read(bytes, File), file: File);
        Assert.Contains("gemm0.weight", d.Message);
    }

    [Fact]
    public void UnsupportedDataType()
    {
        var bytes = Proto.Edited(TestModels.Mlp(), m => Proto.Initializer(m, "bn0.bias").DataType = (int)TensorProto.Types.DataType.Float16);
        var d = Diag.Throws(ModelDiagnosticCodes.UnsupportedDataType, () => OnnxReader.Read(bytes, File), file: File);
        Assert.Contains("FLOAT16", d.Message);
        Assert.Contains("bn0.bias", d.Message);
    }

    [Fact]
    public void NegativeAndHugeDims()
    {
        var negative = Proto.Edited(TestModels.Mlp(), m => Proto.Initializer(m, "bn0.bias").Dims[0] = -6);
        Diag.Throws(ModelDiagnosticCodes.BadDims, () => OnnxReader.Read(negative, File), file: File);
        var huge = Proto.Edited(TestModels.Mlp(), m => Proto.Initializer(m, "bn0.bias").Dims.AddRange([1L << 40, 1L << 40]));
        Diag.Throws(ModelDiagnosticCodes.BadDims, () => OnnxReader.Read(huge, File), file: File);
    }

    [Fact]
    public void Uint8ValueOutOfRangeInInt32Data()
    {
        var bytes = Proto.Edited(TestModels.Mlp(), m =>
        {
            var t = Proto.Initializer(m, "input.zero_point");
            t.ClearRawData();
            t.Int32Data.Add(300);
        });
        Diag.Throws(ModelDiagnosticCodes.ValueOutOfRange, () => OnnxReader.Read(bytes, File), file: File);
    }

    [Fact]
    public void DuplicateInitializer()
    {
        var bytes = Proto.Edited(TestModels.Mlp(), m => m.Graph.Initializer.Add(Proto.Initializer(m, "bn0.bias").Clone()));
        Diag.Throws(ModelDiagnosticCodes.DuplicateName, () => OnnxReader.Read(bytes, File), file: File);
    }

    [Fact]
    public void OutputProducedTwice()
    {
        var bytes = Proto.Edited(TestModels.Mlp(), m => Proto.Node(m, "bn0").Output[0] = "gemm0");
        Diag.Throws(ModelDiagnosticCodes.DuplicateName, () => OnnxReader.Read(bytes, File), file: File, node: "bn0");
    }

    [Fact]
    public void ForeignDomainIsRefused()
    {
        var bytes = Proto.Edited(TestModels.Mlp(), m => Proto.Node(m, "bn0").Domain = "com.microsoft");
        Diag.Throws(ModelDiagnosticCodes.UnsupportedDomain, () => OnnxReader.Read(bytes, File), file: File, node: "bn0");
    }

    [Fact]
    public void MissingDefaultOpset()
    {
        var bytes = Proto.Edited(TestModels.Mlp(), m => m.OpsetImport[0].Domain = "ai.onnx.ml");
        Diag.Throws(ModelDiagnosticCodes.NoDefaultOpset, () => OnnxReader.Read(bytes, File), file: File);
    }

    [Fact]
    public void GraphAttributeIsRefused()
    {
        var bytes = Proto.Edited(TestModels.Mlp(), m => Proto.Node(m, "bn0").Attribute.Add(new AttributeProto
        {
            Name = "body",
            Type = AttributeProto.Types.AttributeType.Graph,
            G = new GraphProto(),
        }));
        var d = Diag.Throws(ModelDiagnosticCodes.UnsupportedAttribute, () => OnnxReader.Read(bytes, File), file: File, node: "bn0");
        Assert.Contains("body", d.Message);
    }

    [Fact]
    public void DuplicateAttribute()
    {
        var bytes = Proto.Edited(TestModels.Mlp(), m =>
        {
            var node = Proto.Node(m, "bn0");
            node.Attribute.Add(node.Attribute[0].Clone());
        });
        Diag.Throws(ModelDiagnosticCodes.BadAttribute, () => OnnxReader.Read(bytes, File), file: File, node: "bn0");
    }

    [Fact]
    public void DuplicateMetadataKey()
    {
        var bytes = Proto.Edited(TestModels.Mlp(), m => m.MetadataProps.Add(m.MetadataProps[0].Clone()));
        Diag.Throws(ModelDiagnosticCodes.DuplicateMetadata, () => OnnxReader.Read(bytes, File), file: File);
    }

    [Fact]
    public void ModelWithoutGraphOrIrVersion()
    {
        var noGraph = new ModelProto { IrVersion = 8 }.ToByteArray();
        Diag.Throws(ModelDiagnosticCodes.NotOnnx, () => OnnxReader.Read(noGraph, File), file: File);
        var noVersion = new ModelProto { Graph = new GraphProto() }.ToByteArray();
        Diag.Throws(ModelDiagnosticCodes.NotOnnx, () => OnnxReader.Read(noVersion, File), file: File);
    }

    [Fact]
    public void ConstantWithTwoOutputs()
    {
        var bytes = Proto.Edited(TestModels.Mlp(), m =>
        {
            var constant = new NodeProto { Name = "c", OpType = "Constant" };
            constant.Output.AddRange(["c0", "c1"]);
            constant.Attribute.Add(new AttributeProto { Name = "value_int", Type = AttributeProto.Types.AttributeType.Int, I = 3 });
            m.Graph.Node.Insert(0, constant);
        });
        Diag.Throws(ModelDiagnosticCodes.BadConstant, () => OnnxReader.Read(bytes, File), file: File, node: "c");
    }

    [Fact]
    public void NonTensorGraphInput()
    {
        var bytes = Proto.Edited(TestModels.Mlp(), m => m.Graph.Input[0].Type = new TypeProto());
        var d = Diag.Throws(ModelDiagnosticCodes.BadGraphValue, () => OnnxReader.Read(bytes, File), file: File);
        Assert.Contains("'input'", d.Message);
    }
}
