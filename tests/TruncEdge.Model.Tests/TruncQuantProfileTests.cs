using TruncEdge.Model.Diagnostics;
using TruncEdge.Model.Graph;
using TruncEdge.Model.Onnx;
using TruncEdge.Model.TruncQuant;

namespace TruncEdge.Model.Tests;

public sealed class TruncQuantProfileTests
{
    [Fact]
    public void MetadataRoundTrip()
    {
        var graph = OnnxReader.Read(OnnxWriter.ToBytes(TestModels.SmallCnn()), "m.onnx");
        Assert.Equal("1", graph.Metadata["truncquant.profile"]);
        Assert.Equal("truncquant", graph.Metadata["truncquant.weight_quantizer"]);
        Assert.Equal("1,2,4,8", graph.Metadata["truncquant.weight_bits"]);
        Assert.Equal("4", graph.Metadata["truncquant.activation_bits"]);
        Assert.Equal("3", graph.Metadata["truncquant.calibrated_bits"]);
        var md = TruncQuantMetadata.Read(graph);
        Assert.Equal(WeightQuantizer.TruncQuant, md.WeightQuantizer);
        Assert.Equal(new[] { 1, 2, 4, 8 }, md.WeightBits);
        Assert.Equal(4, md.ActivationBits);
        Assert.Equal(new[] { 3 }, md.CalibratedBits);
        Assert.Equal(WeightQuantizer.Round, TruncQuantMetadata.Read(TestModels.Mlp()).WeightQuantizer);
    }

    [Fact]
    public void NoMetadataMeansTruncQuantWithoutTrainingInfo()
    {
        var md = TruncQuantMetadata.Read(new ModelGraph());
        Assert.Equal(WeightQuantizer.TruncQuant, md.WeightQuantizer);
        Assert.Empty(md.WeightBits);
        Assert.Null(md.ActivationBits);
        Assert.Empty(md.CalibratedBits);
    }

    [Theory]
    [InlineData("truncquant.profile", "2", ModelDiagnosticCodes.UnsupportedProfileVersion)]
    [InlineData("truncquant.profile", null, ModelDiagnosticCodes.BadProfileMetadata)]
    [InlineData("truncquant.weight_quantizer", "floor", ModelDiagnosticCodes.BadProfileMetadata)]
    [InlineData("truncquant.weight_quantizer", null, ModelDiagnosticCodes.BadProfileMetadata)]
    [InlineData("truncquant.weight_bits", null, ModelDiagnosticCodes.BadProfileMetadata)]
    [InlineData("truncquant.weight_bits", "", ModelDiagnosticCodes.BadProfileMetadata)]
    [InlineData("truncquant.weight_bits", "8,4", ModelDiagnosticCodes.BadProfileMetadata)]
    [InlineData("truncquant.weight_bits", "1,2,2", ModelDiagnosticCodes.BadProfileMetadata)]
    [InlineData("truncquant.weight_bits", "0,4", ModelDiagnosticCodes.BadProfileMetadata)]
    [InlineData("truncquant.weight_bits", "4,16", ModelDiagnosticCodes.BadProfileMetadata)]
    [InlineData("truncquant.weight_bits", "2;4", ModelDiagnosticCodes.BadProfileMetadata)]
    [InlineData("truncquant.activation_bits", "9", ModelDiagnosticCodes.BadProfileMetadata)]
    [InlineData("truncquant.calibrated_bits", "4", ModelDiagnosticCodes.BadProfileMetadata)]
    public void MalformedMetadata(string key, string? value, string code)
    {
        var graph = TestModels.SmallCnn();
        graph.SourceFile = "m.onnx";
        if (value is null)
            graph.Metadata.Remove(key);
        else
            graph.Metadata[key] = value;
        var d = Diag.Throws(code, () => TruncQuantMetadata.Read(graph), file: "m.onnx");
        Assert.Contains(key, d.Message);
    }

    [Fact]
    public void LenientSpellingsAndUnknownKeys()
    {
        var graph = new ModelGraph();
        graph.Metadata["truncquant.profile"] = "1";
        graph.Metadata["truncquant.weight_quantizer"] = "round";
        graph.Metadata["truncquant.weight_bits"] = "2, 4, 8";
        graph.Metadata["truncquant.calibrated_bits"] = "";
        graph.Metadata["truncquant.future_key"] = "whatever";
        var md = TruncQuantMetadata.Read(graph);
        Assert.Equal(new[] { 2, 4, 8 }, md.WeightBits);
        Assert.Empty(md.CalibratedBits);
    }

    [Fact]
    public void WriteToReplacesOldEntries()
    {
        var graph = TestModels.SmallCnn();
        graph.Metadata["other"] = "kept";
        new TruncQuantMetadata(WeightQuantizer.Round, [8]).WriteTo(graph);
        Assert.Equal(new[] { "other", "truncquant.profile", "truncquant.weight_bits", "truncquant.weight_quantizer" },
            graph.Metadata.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("8", graph.Metadata["truncquant.weight_bits"]);
    }

    [Fact]
    public void PrecomputedCodesAreUsedAsTheyAre()
    {
        var graph = TestModels.SmallCnn();
        var stored = graph.Initializers["gemm0.weight.tq_codes"].Bytes!;
        var set = TruncQuantProfile.TryGetPrecomputedCodes(graph, "gemm0.weight")!;
        Assert.Equal(stored, set.Codes8);
        Assert.Equal((double)graph.Initializers["gemm0.weight.tq_mean_abs"].Floats![0], set.MeanAbs);
        // They were computed from other weights, so they differ from what the latent weights give.
        var computed = WeightCodes.Compute(graph.Initializers["gemm0.weight"].Floats, WeightQuantizer.TruncQuant);
        Assert.NotEqual(computed.Codes8, set.Codes8);
        Assert.Equal(set.Codes8, TruncQuantProfile.GetWeightCodes(graph, "gemm0.weight", WeightQuantizer.TruncQuant).Codes8);
    }

    [Fact]
    public void WithoutPrecomputedCodesTheyAreComputed()
    {
        var graph = TestModels.SmallCnn();
        Assert.Null(TruncQuantProfile.TryGetPrecomputedCodes(graph, "conv0.weight"));
        var expected = WeightCodes.Compute(graph.Initializers["conv0.weight"].Floats, WeightQuantizer.TruncQuant);
        var actual = TruncQuantProfile.GetWeightCodes(graph, "conv0.weight", WeightQuantizer.TruncQuant);
        Assert.Equal(expected.Codes8, actual.Codes8);
        Assert.Equal(expected.MeanAbs, actual.MeanAbs);
    }

    [Fact]
    public void MalformedPrecomputedCodes()
    {
        var onlyCodes = TestModels.SmallCnn();
        onlyCodes.Initializers.Remove("gemm0.weight.tq_mean_abs");
        Diag.Throws(ModelDiagnosticCodes.BadPrecomputedCodes, () => TruncQuantProfile.TryGetPrecomputedCodes(onlyCodes, "gemm0.weight"));

        var wrongDims = TestModels.SmallCnn();
        wrongDims.Initializers["gemm0.weight.tq_codes"] = TensorData.FromBytes("gemm0.weight.tq_codes", [128], new byte[128]);
        var d = Diag.Throws(ModelDiagnosticCodes.BadPrecomputedCodes, () => TruncQuantProfile.TryGetPrecomputedCodes(wrongDims, "gemm0.weight"));
        Assert.Contains("gemm0.weight.tq_codes", d.Message);

        var negativeE = TestModels.SmallCnn();
        negativeE.Initializers["gemm0.weight.tq_mean_abs"] = TensorData.FromFloats("gemm0.weight.tq_mean_abs", [], [-1f]);
        Diag.Throws(ModelDiagnosticCodes.BadPrecomputedCodes, () => TruncQuantProfile.TryGetPrecomputedCodes(negativeE, "gemm0.weight"));

        var intWeight = TestModels.SmallCnn();
        intWeight.Initializers["conv0.weight"] = TensorData.FromInt64s("conv0.weight", [1], [1]);
        Diag.Throws(ModelDiagnosticCodes.BadWeight, () => TruncQuantProfile.GetWeightCodes(intWeight, "conv0.weight", WeightQuantizer.TruncQuant));
    }

    [Fact]
    public void BatchNormVariantsAndFallback()
    {
        var random = new Random(5);
        var fallback = TestModels.Bn(random, 4);
        var k2 = TestModels.Bn(random, 4);
        var b = new Building.TruncQuantGraphBuilder("bn", WeightQuantizer.TruncQuant, [2, 8], 4);
        var x = b.InputU8(4, 2, 2);
        x = b.BatchNorm(x, fallback with { Epsilon = 1e-3f }, new Dictionary<int, BatchNormParams> { [2] = k2 with { Epsilon = 1e-3f } });
        var graph = OnnxReader.Read(OnnxWriter.ToBytes(b.Build(x)), "bn.onnx");
        var bn = graph.Nodes.Single(n => n.OpType == "BatchNormalization");

        Assert.Equal(new[] { 2 }, TruncQuantProfile.GetBatchNormVariantBits(graph, bn));
        var at2 = TruncQuantProfile.GetBatchNormParams(graph, bn, 2);
        Assert.Equal(k2.Gamma, at2.Gamma);
        Assert.Equal(k2.Beta, at2.Beta);
        Assert.Equal(k2.Mean, at2.Mean);
        Assert.Equal(k2.Var, at2.Var);
        Assert.Equal(1e-3f, at2.Epsilon);
        foreach (var k in new[] { 1, 3, 4, 8 })
        {
            var p = TruncQuantProfile.GetBatchNormParams(graph, bn, k);
            Assert.Equal(fallback.Gamma, p.Gamma);
            Assert.Equal(fallback.Var, p.Var);
        }
        Assert.True(graph.Initializers.ContainsKey("bn0.running_var.k2"));
        Assert.True(TruncQuantProfile.IsProfileInitializer(graph, "bn0.running_var.k2"));
        Assert.False(TruncQuantProfile.IsProfileInitializer(graph, "bn0.running_var"));
    }

    [Fact]
    public void IncompleteBatchNormVariant()
    {
        var graph = TestModels.SmallCnn();
        graph.SourceFile = "m.onnx";
        graph.Initializers.Remove("bn0.running_mean.k2");
        var bn = graph.Nodes.Single(n => n.Name == "bn0");
        var d = Diag.Throws(ModelDiagnosticCodes.IncompleteBatchNormVariant, () => TruncQuantProfile.GetBatchNormParams(graph, bn, 2),
            file: "m.onnx", node: "bn0");
        Assert.Contains("bn0.running_mean.k2", d.Message);
        Diag.Throws(ModelDiagnosticCodes.IncompleteBatchNormVariant, () => TruncQuantProfile.GetBatchNormVariantBits(graph, bn));
        // Bit widths without any variant tensor are fine.
        Assert.Equal(TruncQuantProfile.GetBatchNormParams(graph, bn, 8).Gamma, graph.Initializers["bn0.weight"].Floats);
    }

    [Fact]
    public void BatchNormVariantOfWrongLength()
    {
        var graph = TestModels.SmallCnn();
        graph.Initializers["bn0.bias.k1"] = TensorData.FromFloats("bn0.bias.k1", [3], [1f, 2f, 3f]);
        var bn = graph.Nodes.Single(n => n.Name == "bn0");
        Diag.Throws(ModelDiagnosticCodes.BadBatchNormParams, () => TruncQuantProfile.GetBatchNormParams(graph, bn, 1), node: "bn0");
    }

    [Fact]
    public void ActivationBitsFromScale()
    {
        for (var b = 1; b <= 8; b++)
        {
            Assert.Equal(b, ActivationQuantization.BitsFromScale(ActivationQuantization.Scale(b)));
            Assert.Equal(b, ActivationQuantization.BitsFromScale(1.0 / ((1 << b) - 1) * (1 + 0.9e-6)));
            Assert.Null(ActivationQuantization.BitsFromScale(1.0 / ((1 << b) - 1) * (1 + 2e-6)));
        }
        Assert.Null(ActivationQuantization.BitsFromScale(0.1));
        Assert.Null(ActivationQuantization.BitsFromScale(double.NaN));
    }

    [Fact]
    public void ActivationBitsOfQuantizerNodes()
    {
        var graph = TestModels.SmallCnn();
        var bits = graph.Nodes.Where(n => n.OpType == "QuantizeLinear").Select(n => ActivationQuantization.TryGetBits(graph, n)).ToArray();
        Assert.Equal(new int?[] { 4, 2, 8, 4 }, bits);
        Assert.Equal(8, ActivationQuantization.TryGetBits(graph, graph.Nodes[0])); // the input's DequantizeLinear
        graph.Initializers["aq0.zero_point"] = TensorData.FromBytes("aq0.zero_point", [], [3]);
        Assert.Null(ActivationQuantization.TryGetBits(graph, graph.Nodes.Single(n => n.Name == "aq0.quantize")));
        Assert.Null(ActivationQuantization.TryGetBits(graph, graph.Nodes.Single(n => n.Name == "conv0")));
    }
}
