using TruncEdge.Model.Building;
using TruncEdge.Model.Graph;
using TruncEdge.Model.TruncQuant;

namespace TruncEdge.Model.Tests;

/// <summary>Seeded models built with the profile builder, shared by the tests.</summary>
internal static class TestModels
{
    /// <summary>
    /// A small CNN that uses every op the builder makes: uint8 input, Conv with bias, switchable
    /// BatchNorm with variants, activation quantizers, depthwise Conv, Relu, pools, a residual
    /// Add, Flatten, Gemm, MatMul+Add, Reshape and precomputed codes.
    /// </summary>
    public static ModelGraph SmallCnn(int seed = 1)
    {
        var random = new Random(seed);
        var b = new TruncQuantGraphBuilder("small_cnn", WeightQuantizer.TruncQuant, [1, 2, 4, 8], activationBits: 4, calibratedBits: [3]);
        var x = b.InputU8(3, 8, 8);
        x = b.Conv(x, Floats(random, 8 * 3 * 3 * 3), 8, 3, 3, pads: (1, 1, 1, 1), bias: Floats(random, 8));
        x = b.BatchNorm(x, Bn(random, 8), new Dictionary<int, BatchNormParams> { [1] = Bn(random, 8), [2] = Bn(random, 8) });
        x = b.ActQuant(x);
        var skip = x;
        x = b.Conv(x, Floats(random, 8 * 1 * 3 * 3), 8, 3, 3, pads: (1, 1, 1, 1), groups: 8);
        x = b.BatchNorm(x, Bn(random, 8));
        x = b.Relu(x);
        x = b.ActQuant(x, 2);
        x = b.Add(x, skip);
        x = b.ActQuant(x, 8, clip: false);
        x = b.MaxPool(x, 2, 2);
        x = b.AveragePool(x, 3, 3, stride: (1, 1), pads: (1, 1, 1, 1), countIncludePad: true);
        x = b.GlobalAveragePool(x);
        x = b.Flatten(x);
        x = b.Gemm(x, Floats(random, 16 * 8), 16, Floats(random, 16));
        x = b.ActQuant(x);
        x = b.Reshape(x, [1, -1]);
        x = b.MatMulAdd(x, Floats(random, 16 * 10), 10, Floats(random, 10));
        var codes = WeightCodes.Compute(Floats(random, 16 * 8), WeightQuantizer.TruncQuant);
        b.PrecomputedCodes("gemm0.weight", codes.Codes8, codes.MeanAbs);
        return b.Build(x);
    }

    /// <summary>A two-layer MLP, the smallest useful model.</summary>
    public static ModelGraph Mlp(int seed = 2)
    {
        var random = new Random(seed);
        var b = new TruncQuantGraphBuilder("mlp", WeightQuantizer.Round, [2, 4, 8], activationBits: 4);
        var x = b.InputU8(1, 4, 4);
        x = b.Flatten(x);
        x = b.Gemm(x, Floats(random, 6 * 16), 6);
        x = b.BatchNorm(x, Bn(random, 6));
        x = b.ActQuant(x);
        x = b.Gemm(x, Floats(random, 3 * 6), 3, Floats(random, 3));
        return b.Build(x);
    }

    public static float[] Floats(Random random, int count) =>
        Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();

    public static BatchNormParams Bn(Random random, int channels) => new(
        Enumerable.Range(0, channels).Select(_ => (float)(0.5 + random.NextDouble())).ToArray(),
        Floats(random, channels),
        Floats(random, channels),
        Enumerable.Range(0, channels).Select(_ => (float)(0.1 + random.NextDouble())).ToArray());
}
