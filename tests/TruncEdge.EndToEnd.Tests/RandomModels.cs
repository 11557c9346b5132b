using TruncEdge.Model.Building;
using TruncEdge.Model.Graph;
using TruncEdge.Model.TruncQuant;

namespace TruncEdge.EndToEnd.Tests;

/// <summary>
/// Random models in the TruncQuant profile, from a seed: random stacks of every supported op
/// (convs with odd channel counts, strides, paddings and groups, depthwise layers, residual
/// blocks with identity and strided 1x1 shortcuts, adds of two quantized branches, max and
/// average pools, dense heads), activation bits 1..8, switchable BatchNorm, optional precomputed
/// codes, uint8 or float inputs.
/// </summary>
public static class RandomModels
{
    public sealed record Case(int Seed, ModelGraph Graph, bool Pin, string Description);

    public static Case Make(int seed)
    {
        var rng = new Random(seed);
        var log = new List<string>();
        var b = new TruncQuantGraphBuilder($"random{seed}", WeightQuantizer.TruncQuant, [1, 2, 4, 8], rng.Next(1, 9));
        int c = rng.Next(1, 6), h = rng.Next(4, 13), w = rng.Next(4, 13);
        var x = rng.Next(4) == 0 ? b.InputFloat(c, h, w) : b.InputU8(c, h, w);
        log.Add($"input {c}x{h}x{w}");

        var blocks = rng.Next(1, 5);
        for (var i = 0; i < blocks; i++)
        {
            var s = b.ShapeOf(x);
            int ch = (int)s[1], hh = (int)s[2], ww = (int)s[3];
            switch (rng.Next(7))
            {
                case 0 or 1:
                    x = ConvBlock(b, rng, x, log, out _);
                    break;
                case 2 when hh >= 2 && ww >= 2:
                    {
                        var k = rng.Next(2, Math.Min(3, Math.Min(hh, ww)) + 1);
                        var st = rng.Next(1, 3);
                        var p = rng.Next(k);
                        x = b.MaxPool(x, k, k, (st, st), (p, p, rng.Next(k), p));
                        log.Add($"maxpool {k} s{st} p{p}");
                        break;
                    }
                case 3 when hh >= 2 && ww >= 2:
                    {
                        var k = rng.Next(2, Math.Min(3, Math.Min(hh, ww)) + 1);
                        var st = rng.Next(1, 3);
                        var p = rng.Next(k);
                        var include = rng.Next(2) == 0;
                        x = b.AveragePool(x, k, k, (st, st), (p, p, p, rng.Next(k)), include);
                        var bits = Bits(rng);
                        x = b.ActQuant(x, bits, clip: rng.Next(2) == 0);
                        log.Add($"avgpool {k} s{st} p{p} include_pad={include} -> {bits} bits");
                        break;
                    }
                case 4:
                    x = Residual(b, rng, x, ch, log);
                    break;
                case 5:
                    {
                        // Two quantized branches added: the Program's Add op.
                        var a1 = b.ActQuant(Conv(b, rng, x, ch, 1, 1, 0, 1), Bits(rng));
                        var a2 = b.ActQuant(Conv(b, rng, x, ch, 3 <= Math.Min(hh, ww) ? 3 : 1, 1, 3 <= Math.Min(hh, ww) ? 1 : 0, 1), Bits(rng));
                        var bits = Bits(rng);
                        x = b.ActQuant(b.Add(a1, a2), bits);
                        log.Add($"add of two quantized branches -> {bits} bits");
                        break;
                    }
                default:
                    {
                        // Depthwise (optionally with a channel multiplier).
                        var mult = rng.Next(1, 3);
                        var k = Math.Min(3, Math.Min(hh, ww));
                        var y = Conv(b, rng, x, ch * mult, k, rng.Next(1, 3), rng.Next(k), ch);
                        y = MaybeBatchNorm(b, rng, y, ch * mult);
                        var bits = Bits(rng);
                        x = b.ActQuant(y, bits);
                        log.Add($"depthwise x{mult} {k}x{k} -> {bits} bits");
                        break;
                    }
            }
        }

        // The head.
        var shape = b.ShapeOf(x);
        int fc = (int)shape[1];
        switch (rng.Next(5))
        {
            case 0:
                x = b.GlobalAveragePool(x);
                x = b.ActQuant(x, 8, clip: false);
                x = b.Flatten(x);
                x = b.Gemm(x, Weights(rng, fc * 7), 7, Floats(rng, 7, 0.5));
                log.Add("gap -> 8 bits -> gemm 7 (int32 logits)");
                break;
            case 1:
                {
                    x = b.Flatten(x);
                    var features = (int)b.ShapeOf(x)[1];
                    var hidden = rng.Next(3, 17);
                    x = rng.Next(2) == 0 ? b.Gemm(x, Weights(rng, features * hidden), hidden) : b.MatMulAdd(x, Weights(rng, features * hidden), hidden, Floats(rng, hidden, 0.3));
                    x = MaybeBatchNorm(b, rng, x, hidden);
                    x = b.ActQuant(x, Bits(rng));
                    x = b.Gemm(x, Weights(rng, hidden * 5), 5, Floats(rng, 5, 0.5));
                    if (rng.Next(3) == 0) x = b.Relu(x);
                    log.Add($"flatten -> dense {hidden} -> dense 5");
                    break;
                }
            case 2:
                x = Conv(b, rng, x, rng.Next(1, 6), 1, 1, 0, 1, bias: true);
                log.Add("conv 1x1 (int32 output)");
                break;
            case 3:
                x = ConvBlock(b, rng, x, log, out _);
                break;
            default:
                x = b.Reshape(x, [1, -1]);
                var f = (int)b.ShapeOf(x)[1];
                x = b.MatMulAdd(x, Weights(rng, f * 3), 3, Floats(rng, 3, 0.5));
                log.Add("reshape -> matmul+add 3");
                break;
        }

        var graph = b.Build(x);
        if (rng.Next(3) == 0) AddPrecomputedCodes(graph);
        return new Case(seed, graph, Pin: rng.Next(3) != 0, string.Join("; ", log));
    }

    private static int Bits(Random rng) => rng.Next(1, 9);

    private static string ConvBlock(TruncQuantGraphBuilder b, Random rng, string x, List<string> log, out int outC)
    {
        var s = b.ShapeOf(x);
        int hh = (int)s[2], ww = (int)s[3];
        outC = rng.Next(1, 10);
        var k = rng.Next(1, Math.Min(3, Math.Min(hh, ww)) + 1);
        var kw = rng.Next(2) == 0 ? k : rng.Next(1, Math.Min(3, ww) + 1);
        var st = rng.Next(1, 3);
        var p = rng.Next(k);
        var y = ConvRect(b, rng, x, outC, k, kw, st, p, rng.Next(Math.Max(1, kw)), 1, bias: rng.Next(2) == 0);
        y = MaybeBatchNorm(b, rng, y, outC);
        if (rng.Next(4) == 0) y = b.Relu(y);
        var bits = Bits(rng);
        log.Add($"conv {outC} {k}x{kw} s{st} p{p} -> {bits} bits");
        return b.ActQuant(y, bits);
    }

    private static string Residual(TruncQuantGraphBuilder b, Random rng, string x, int ch, List<string> log)
    {
        var s = b.ShapeOf(x);
        var k = Math.Min(3, Math.Min((int)s[2], (int)s[3])) == 3 ? 3 : 1;
        var pad = k / 2;
        var strided = rng.Next(2) == 0;
        var outC = strided ? rng.Next(1, 10) : ch;
        var st = strided ? rng.Next(1, 3) : 1;
        var y = Conv(b, rng, x, outC, k, st, pad, 1);
        y = MaybeBatchNorm(b, rng, y, outC);
        y = b.ActQuant(y, Bits(rng));
        y = Conv(b, rng, y, outC, k, 1, pad, 1);
        y = MaybeBatchNorm(b, rng, y, outC);
        var shortcut = x;
        if (strided)
        {
            shortcut = Conv(b, rng, x, outC, 1, st, 0, 1);
            if (rng.Next(2) == 0) shortcut = MaybeBatchNorm(b, rng, shortcut, outC, always: true);
        }
        var sum = rng.Next(2) == 0 ? b.Add(y, shortcut) : b.Add(shortcut, y);
        if (rng.Next(2) == 0) sum = b.Relu(sum);
        var bits = Bits(rng);
        log.Add($"residual {(strided ? $"1x1 shortcut s{st}" : "identity")} {outC}ch -> {bits} bits");
        return b.ActQuant(sum, bits);
    }

    private static string Conv(TruncQuantGraphBuilder b, Random rng, string x, int outC, int k, int stride, int pad, int groups, bool bias = false) =>
        ConvRect(b, rng, x, outC, k, k, stride, pad, pad, groups, bias);

    private static string ConvRect(TruncQuantGraphBuilder b, Random rng, string x, int outC, int kh, int kw, int stride, int padH, int padW, int groups, bool bias)
    {
        var inC = (int)b.ShapeOf(x)[1];
        return b.Conv(x, Weights(rng, outC * inC / groups * kh * kw), outC, kh, kw, (stride, stride), (padH, padW, padH, padW), groups,
            bias ? Floats(rng, outC, 0.3) : null);
    }

    private static string MaybeBatchNorm(TruncQuantGraphBuilder b, Random rng, string x, int channels, bool always = false)
    {
        if (!always && rng.Next(3) == 0) return x;
        var variants = new Dictionary<int, BatchNormParams>();
        foreach (var k in new[] { 1, 2, 4, 8 })
            if (rng.Next(2) == 0) variants[k] = Bn(rng, channels);
        return b.BatchNorm(x, Bn(rng, channels), variants);
    }

    private static BatchNormParams Bn(Random rng, int channels) => new(
        Enumerable.Range(0, channels).Select(_ => (float)((rng.NextDouble() * 1.5 + 0.2) * (rng.Next(8) == 0 ? -1 : 1))).ToArray(),
        Enumerable.Range(0, channels).Select(_ => (float)(rng.NextDouble() * 0.8 - 0.2)).ToArray(),
        Enumerable.Range(0, channels).Select(_ => (float)(rng.NextDouble() * 0.4 - 0.2)).ToArray(),
        Enumerable.Range(0, channels).Select(_ => (float)(rng.NextDouble() * 0.5 + 0.02)).ToArray());

    private static float[] Weights(Random rng, int count)
    {
        var scale = rng.NextDouble() * 0.9 + 0.05;
        return Enumerable.Range(0, count).Select(_ => (float)(Gaussian(rng) * scale)).ToArray();
    }

    private static float[] Floats(Random rng, int count, double scale) =>
        Enumerable.Range(0, count).Select(_ => (float)(Gaussian(rng) * scale)).ToArray();

    private static double Gaussian(Random rng) =>
        Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

    /// <summary>Stores each weight's codes as precomputed codes, with a twist: a few flipped
    /// codes, so the test proves the compiler uses the stored codes rather than recomputing them.</summary>
    private static void AddPrecomputedCodes(ModelGraph graph)
    {
        var weights = graph.Nodes.Where(n => n.OpType is "Conv" or "Gemm" or "MatMul").Select(n => n.Inputs[1]).ToList();
        foreach (var name in weights)
        {
            var t = graph.Initializers[name];
            var set = WeightCodes.Compute(t.Floats!, WeightQuantizer.TruncQuant);
            var codes = (byte[])set.Codes8.Clone();
            codes[0] ^= 0x10;
            graph.Initializers[TruncQuantProfile.CodesName(name)] = TensorData.FromBytes(TruncQuantProfile.CodesName(name), t.Dims, codes);
            graph.Initializers[TruncQuantProfile.MeanAbsName(name)] = TensorData.FromFloats(TruncQuantProfile.MeanAbsName(name), [], [(float)set.MeanAbs]);
        }
    }
}
