using TruncEdge.Model.Diagnostics;
using TruncEdge.Model.Graph;
using TruncEdge.Model.Onnx;

namespace TruncEdge.Model.Tests;

public sealed class OnnxRoundTripTests
{
    [Fact]
    public void BuilderWriterReaderGivesTheSameGraph()
    {
        foreach (var graph in new[] { TestModels.SmallCnn(), TestModels.Mlp() })
        {
            var read = OnnxReader.Read(OnnxWriter.ToBytes(graph), "model.onnx");
            GraphAssert.Equal(graph, read);
            Assert.Equal("model.onnx", read.SourceFile);
        }
    }

    [Fact]
    public void WritingIsDeterministicAndStable()
    {
        var bytes = OnnxWriter.ToBytes(TestModels.SmallCnn());
        Assert.Equal(bytes, OnnxWriter.ToBytes(TestModels.SmallCnn()));
        // Reading and writing again changes nothing.
        Assert.Equal(bytes, OnnxWriter.ToBytes(OnnxReader.Read(bytes, "m.onnx")));
    }

    [Fact]
    public void WriterHeaderFields()
    {
        var model = Proto.Parse(OnnxWriter.ToBytes(TestModels.Mlp()));
        Assert.Equal(8, model.IrVersion);
        Assert.Equal("truncedge", model.ProducerName);
        var opset = Assert.Single(model.OpsetImport);
        Assert.Equal("", opset.Domain);
        Assert.Equal(13, opset.Version);
        // Every tensor is raw_data, and graph inputs and outputs carry shapes.
        Assert.All(model.Graph.Initializer, t => Assert.True(t.HasRawData && t.FloatData.Count == 0));
        Assert.Equal(new long[] { 1, 1, 4, 4 }, model.Graph.Input[0].Type.TensorType.Shape.Dim.Select(d => d.DimValue));
        Assert.Equal(new long[] { 1, 3 }, model.Graph.Output[0].Type.TensorType.Shape.Dim.Select(d => d.DimValue));
    }

    [Fact]
    public void SpecialValuesSurviveBitExactly()
    {
        var graph = TestModels.Mlp();
        float[] special = [-0f, float.Epsilon, -float.Epsilon, float.MaxValue, float.MinValue, 1e-38f, 0.1f];
        graph.Initializers["special"] = TensorData.FromFloats("special", [special.Length], special);
        graph.Initializers["d"] = new TensorData("d", DataType.Double, [2]) { Doubles = [Math.PI, -0.0] };
        graph.Initializers["i8"] = new TensorData("i8", DataType.Int8, [2]) { Bytes = [0x80, 0x7f] };
        graph.Initializers["i32"] = new TensorData("i32", DataType.Int32, [2]) { Ints = [int.MinValue, int.MaxValue] };
        graph.Initializers["i64"] = TensorData.FromInt64s("i64", [2], [long.MinValue, long.MaxValue]);
        graph.Initializers["empty"] = TensorData.FromFloats("empty", [0, 3], []);
        GraphAssert.Equal(graph, OnnxReader.Read(OnnxWriter.ToBytes(graph), "m.onnx"));
    }

    [Fact]
    public void SymbolicAndUnknownShapesRoundTrip()
    {
        var graph = TestModels.Mlp();
        graph.Inputs[0] = graph.Inputs[0] with { Shape = [-1, 1, 4, 4] };
        graph.Outputs[0] = graph.Outputs[0] with { Shape = [] };
        GraphAssert.Equal(graph, OnnxReader.Read(OnnxWriter.ToBytes(graph), "m.onnx"));
    }

    [Fact]
    public void WriteReplacesTheFileAndLeavesNoTemporaries()
    {
        var folder = Directory.CreateTempSubdirectory("truncedge-model-");
        try
        {
            var path = Path.Combine(folder.FullName, "model.onnx");
            File.WriteAllText(path, "old");
            OnnxWriter.Write(TestModels.Mlp(), path);
            GraphAssert.Equal(TestModels.Mlp(), OnnxReader.Read(path));
            Assert.Equal(new[] { "model.onnx" }, folder.GetFiles().Select(f => f.Name));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public void WriteFailureIsADiagnosticAndLeavesNothing()
    {
        var folder = Directory.CreateTempSubdirectory("truncedge-model-");
        try
        {
            var missing = Path.Combine(folder.FullName, "no-such-folder", "model.onnx");
            Diag.Throws(ModelDiagnosticCodes.CannotWrite, () => OnnxWriter.Write(TestModels.Mlp(), missing), file: missing);
            // The target is a folder: the rename fails after the temp file was written.
            var folderTarget = Path.Combine(folder.FullName, "taken");
            Directory.CreateDirectory(folderTarget);
            Diag.Throws(ModelDiagnosticCodes.CannotWrite, () => OnnxWriter.Write(TestModels.Mlp(), folderTarget), file: folderTarget);
            Assert.Empty(folder.GetFiles());
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public void InconsistentGraphIsABugNotADiagnostic()
    {
        var graph = TestModels.Mlp();
        graph.Initializers["bad"] = TensorData.FromFloats("bad", [3], [1f]);
        Assert.Throws<ArgumentException>(() => OnnxWriter.ToBytes(graph));
    }
}
