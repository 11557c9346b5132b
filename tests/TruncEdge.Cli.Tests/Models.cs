using TruncEdge.Model.Building;
using TruncEdge.Model.Graph;
using TruncEdge.Model.Onnx;
using TruncEdge.Model.TruncQuant;

namespace TruncEdge.Cli.Tests;

/// <summary>Small models written to disk for the CLI tests.</summary>
public static class Models
{
    public static string SmallCnn(string dir, int channels = 4, int size = 6, string name = "small.onnx")
    {
        var rng = new Random(5);
        float[] W(int n) => Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
        var b = new TruncQuantGraphBuilder("small", WeightQuantizer.TruncQuant, [1, 2, 4, 8], 4);
        var x = b.InputU8(1, size, size);
        x = b.Conv(x, W(channels * 9), channels, 3, 3, pads: (1, 1, 1, 1));
        x = b.BatchNorm(x, new BatchNormParams(Enumerable.Repeat(1f, channels).ToArray(), Enumerable.Repeat(0.1f, channels).ToArray(),
            Enumerable.Repeat(0f, channels).ToArray(), Enumerable.Repeat(0.05f, channels).ToArray()));
        x = b.ActQuant(x);
        x = b.Conv(x, W(channels * channels * 9), channels, 3, 3, pads: (1, 1, 1, 1));
        x = b.ActQuant(x);
        x = b.Flatten(x);
        x = b.Gemm(x, W(3 * channels * size * size), 3, W(3));
        var path = Path.Combine(dir, name);
        OnnxWriter.Write(b.Build(x), path);
        return path;
    }

    /// <summary>A valid model with one extra node of an op TruncEdge does not support.</summary>
    public static string WithSoftmax(string dir)
    {
        var path = SmallCnn(dir, name: "softmax.onnx");
        var g = OnnxReader.Read(path);
        var output = g.Outputs[0];
        g.Nodes.Add(new Node("final_softmax", "Softmax", [output.Name], ["probabilities"]));
        g.Outputs[0] = output with { Name = "probabilities" };
        OnnxWriter.Write(g, path);
        return path;
    }
}
