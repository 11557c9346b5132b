using TruncEdge.Model.Graph;
using TruncEdge.Model.Onnx;
using TruncEdge.Model.TruncQuant;
using TruncEdge.Trainer.Export;
using TruncEdge.Trainer.Layers;
using TruncEdge.Trainer.Tensors;
using TruncEdge.Trainer.Training;
using TruncEdge.Trainer.Zoo;

namespace TruncEdge.Trainer.Tests;

public class ExportTests
{
    [Theory]
    [InlineData("mlp")]
    [InlineData("cnn")]
    [InlineData("resnet8")]
    [InlineData("resnet20")]
    [InlineData("dscnn")]
    public void EveryZooModelExportsToTheProfileAndReadsBack(string arch)
    {
        var input = arch is "mlp" or "cnn" or "dscnn" ? new InputShape(1, 28, 28, 10) : new InputShape(3, 32, 32, 10);
        var net = ModelZoo.Create(arch, input, 4, WeightQuantizer.TruncQuant, new Rng(1));
        var graph = OnnxExport.ToGraph(net, [1, 2, 4, 8], [3, 5, 6, 7]);
        var back = OnnxReader.Read(OnnxWriter.ToBytes(graph), arch + ".onnx");

        var meta = TruncQuantMetadata.Read(back);
        Assert.Equal([1, 2, 4, 8], meta.WeightBits);
        Assert.Equal([3, 5, 6, 7], meta.CalibratedBits);
        Assert.Equal(4, meta.ActivationBits);

        // Precomputed codes are exactly WeightCodes of the latent weights the file carries.
        var weightLayers = net.WeightLayers.ToList();
        foreach (var layer in weightLayers)
        {
            string w = layer.Name + ".weight";
            var codes = TruncQuantProfile.TryGetPrecomputedCodes(back, w)!;
            var expected = WeightCodes.Compute(back.FindInitializer(w)!.Floats!, WeightQuantizer.TruncQuant);
            Assert.Equal(expected.Codes8, codes.Codes8);
            Assert.Equal((float)expected.MeanAbs, (float)codes.MeanAbs);
        }

        // Switchable BatchNorms have variants for 1..8; the one after the pinned first layer has none.
        var bns = back.Nodes.Where(n => n.OpType == "BatchNormalization").ToList();
        Assert.Equal(net.BatchNorms.Count, bns.Count);
        Assert.Empty(TruncQuantProfile.GetBatchNormVariantBits(back, bns[0]));
        foreach (var bn in bns.Skip(1))
        {
            Assert.Equal(Enumerable.Range(1, 8), TruncQuantProfile.GetBatchNormVariantBits(back, bn));
        }

        // The classifier pattern: GlobalAveragePool (or the MLP's last activation) then an 8-bit quantizer for convnets.
        var ops = back.Nodes.Select(n => n.OpType).ToList();
        Assert.Equal("Gemm", ops[^1]);
        if (arch != "mlp")
        {
            Assert.Equal(["GlobalAveragePool", "Clip", "QuantizeLinear", "DequantizeLinear", "Flatten", "Gemm"], ops[^6..]);
        }
        Assert.Equal(arch is "resnet8" or "resnet20" ? (arch == "resnet8" ? 3 : 9) : 0, ops.Count(o => o == "Add"));
    }

    [Fact]
    public void ExportedBatchNormParametersAreThePerBitWidthStates()
    {
        var net = ModelZoo.Create("cnn", new InputShape(1, 8, 8, 10), 4, WeightQuantizer.TruncQuant, new Rng(2));
        var bn = net.BatchNorms[1];
        var st = bn.State(Quantization.Precision.Of(4));
        st.RunningMean[0] = 0.25f;
        st.Gamma.Value[1] = 3f;
        var graph = OnnxExport.ToGraph(net, [2, 4, 8], []);
        var node = graph.Nodes.Single(n => n.Name == bn.Name);
        var p4 = TruncQuantProfile.GetBatchNormParams(graph, node, 4);
        Assert.Equal(0.25f, p4.Mean[0]);
        Assert.Equal(3f, p4.Gamma[1]);
        var p8 = TruncQuantProfile.GetBatchNormParams(graph, node, 8);
        Assert.Equal(1f, p8.Gamma[1]);
    }
}

public class ImportTests
{
    [Theory]
    [InlineData("cnn")]
    [InlineData("mlp")]
    public void ExportedModelEvaluatesExactlyLikeTheTrainedNetwork(string arch)
    {
        var data = TrainingTests.Digits();
        var o = new TrainOptions { Model = arch, Data = "digits", Epochs = 2, BatchSize = 64, Threads = 2, TrainLimit = 512, TestLimit = 200, CalibrationEpochs = 0.25 };
        var result = TrainingSession.Create(o, data).Run();
        var bytes = OnnxWriter.ToBytes(OnnxExport.ToGraph(result.Network, result.TrainedBits, result.CalibratedBits));
        var graph = OnnxReader.Read(bytes, "model.onnx");
        var eval = ModelEvaluation.Evaluate(graph, data.Test.Take(200), new EvalOptions { Threads = 2 });
        foreach (var row in eval.Rows)
        {
            var mine = result.Test.Find(row.Precision, row.Deployment)!;
            Assert.Equal(mine.Correct, row.Correct);
            Assert.Equal(mine.Loss, row.Loss, 5);
        }
        Assert.Equal(16, eval.Rows.Count);
    }

    [Fact]
    public void ResNetRoundTripsThroughTheImporter()
    {
        var net = ModelZoo.Create("resnet8", new InputShape(3, 8, 8, 10), 4, WeightQuantizer.Round, new Rng(3));
        var graph = OnnxReader.Read(OnnxWriter.ToBytes(OnnxExport.ToGraph(net, [2, 4], [])), "r.onnx");
        var imported = Import.OnnxImport.ToNetwork(graph);
        Assert.Equal(WeightQuantizer.Round, imported.Metadata.WeightQuantizer);
        Assert.Equal(net.ParameterCount, imported.Network.ParameterCount);
        var rng = new Rng(4);
        var x = new Tensor(TestUtil.Random(rng, 3 * 5 * 64).Select(v => MathF.Abs(v)).ToArray(), 3, 5, 8, 8);
        foreach (var p in new[] { Quantization.Precision.Of(2), Quantization.Precision.Of(4) })
        {
            var ctx = new Layers.PassContext(new ComputeContext(1), p, training: false, Quantization.WeightDeployment.Truncate);
            var a = net.Forward(x, ctx).Span.ToArray();
            var b = imported.Network.Forward(x, ctx).Span.ToArray();
            Assert.Equal(a, b);
        }
    }
}
