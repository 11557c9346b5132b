using TruncEdge.Model.Building;
using TruncEdge.Model.Graph;
using TruncEdge.Model.Onnx;
using TruncEdge.Model.TruncQuant;

namespace TruncEdge.BenchModels;

/// <summary>
/// Writes MLPerf-Tiny-shaped models in the TruncQuant ONNX profile with seeded random weights,
/// for measuring the C kernels (docs/benchmarks.md, "Kernels on microcontrollers"). The weights
/// are random (Kaiming normal) and the BatchNorms are chosen so that activations spread over
/// their codes; the models compute nothing useful, but every layer has the shape, the MAC
/// count and the data flow of the reference model.
///
///   dotnet run --project bench/TruncEdge.BenchModels -c Release -- OUT_DIR [MODEL...]
///
/// MODEL: resnet8 (4-bit activations), resnet8-a8 (8-bit activations), dscnn, fcae, mobilenet,
/// conv3x3 (one 8x8x64 -> 64 3x3 layer), dw3x3 (one 25x5x64 depthwise 3x3 layer), fc640
/// (640 -> 128); all of them when none is given.
/// </summary>
public static class Program
{
    private static readonly int[] TrainedBits = [1, 2, 3, 4, 5, 6, 7, 8];

    private static readonly Dictionary<string, Func<ModelGraph>> Models = new(StringComparer.Ordinal)
    {
        ["resnet8"] = () => ResNet8(activationBits: 4),
        ["resnet8-a8"] = () => ResNet8(activationBits: 8),
        ["dscnn"] = DsCnn,
        ["fcae"] = FcAutoencoder,
        ["mobilenet"] = MobileNetV1,
        ["conv3x3"] = SingleConv3x3,
        ["dw3x3"] = SingleDepthwise3x3,
        ["fc640"] = SingleDense,
    };

    public static int Main(string[] args)
    {
        if (args.Length < 1)
        {
            Console.Error.WriteLine($"usage: truncedge-bench-models OUT_DIR [{string.Join("|", Models.Keys)}]...");
            return 2;
        }
        var outDir = args[0];
        Directory.CreateDirectory(outDir);
        var names = args.Length > 1 ? args[1..] : Models.Keys.ToArray();
        foreach (var name in names)
        {
            if (!Models.TryGetValue(name, out var make))
            {
                Console.Error.WriteLine($"unknown model '{name}'; expected one of {string.Join(", ", Models.Keys)}");
                return 2;
            }
            var path = Path.Combine(outDir, name + ".onnx");
            OnnxWriter.Write(make(), path);
            Console.WriteLine(path);
        }
        return 0;
    }

    // ---- models ----

    /// <summary>MLPerf Tiny ResNet-8: conv16 3x3, three residual stacks 16/32/64 (strided 1x1
    /// conv shortcuts in stacks 2 and 3), global average pool, 8-bit quantizer, Gemm 10.</summary>
    private static ModelGraph ResNet8(int activationBits)
    {
        var m = new Maker($"resnet8_a{activationBits}", activationBits, seed: 8);
        var x = m.B.InputU8(3, 32, 32);
        x = m.ConvBnAct(x, 3, 16, 3, 1, 1);
        int c = 16;
        foreach (var (width, stride) in new[] { (16, 1), (32, 2), (64, 2) })
        {
            var y = m.ConvBnAct(x, c, width, 3, stride, 1);
            y = m.ConvBn(y, width, width, 3, 1, 1);
            var shortcut = stride == 1 && c == width ? x : m.ConvBn(x, c, width, 1, stride, 0);
            x = m.B.ActQuant(m.B.Add(y, shortcut));
            c = width;
        }
        return m.Head(x, c, 10);
    }

    /// <summary>MLPerf Tiny DS-CNN: conv64 10x4 stride 2 ("same" padding), 4 x [depthwise 3x3 +
    /// pointwise 64], average pool, Gemm 12.</summary>
    private static ModelGraph DsCnn()
    {
        var m = new Maker("dscnn", 4, seed: 12);
        var x = m.B.InputU8(1, 49, 10);
        x = m.ConvBnAct(x, 1, 64, 10, 4, (2, 2), (4, 1, 5, 1));
        for (int i = 0; i < 4; i++)
        {
            x = m.ConvBnAct(x, 64, 64, 3, 1, 1, groups: 64);
            x = m.ConvBnAct(x, 64, 64, 1, 1, 0);
        }
        return m.Head(x, 64, 12);
    }

    /// <summary>MLPerf Tiny anomaly detection: dense 640-128-128-128-128-8-128-128-128-128-640
    /// with BatchNorm and quantized activations after every hidden layer.</summary>
    private static ModelGraph FcAutoencoder()
    {
        var m = new Maker("fcae", 8, seed: 640);
        var x = m.B.InputU8(1, 1, 640);
        x = m.B.Flatten(x);
        int f = 640;
        foreach (var width in new[] { 128, 128, 128, 128, 8, 128, 128, 128, 128 })
        {
            x = m.DenseBnAct(x, f, width);
            f = width;
        }
        x = m.B.Gemm(x, m.Kaiming(640 * f, f), 640, m.Uniform(640, 0.1));
        return m.B.Build(x);
    }

    /// <summary>MobileNetV1 0.25 at 96x96x3 (visual wake words): conv 8 3x3/2, 13 depthwise
    /// separable blocks, average pool, Gemm 2.</summary>
    private static ModelGraph MobileNetV1()
    {
        var m = new Maker("mobilenet_v1_025", 4, seed: 96);
        var x = m.B.InputU8(3, 96, 96);
        x = m.ConvBnAct(x, 3, 8, 3, 3, (2, 2), (0, 0, 1, 1));
        int c = 8;
        foreach (var (width, stride) in new[]
                 { (16, 1), (32, 2), (32, 1), (64, 2), (64, 1), (128, 2), (128, 1), (128, 1), (128, 1), (128, 1), (128, 1), (256, 2), (256, 1) })
        {
            var pads = stride == 2 ? (0, 0, 1, 1) : (1, 1, 1, 1);
            x = m.ConvBnAct(x, c, c, 3, 3, (stride, stride), pads, groups: c);
            x = m.ConvBnAct(x, c, width, 1, 1, (1, 1), (0, 0, 0, 0));
            c = width;
        }
        return m.Head(x, c, 2);
    }

    /// <summary>One 3x3 conv of ResNet-8's third stack (8x8x64 -> 64): TARGETS.md's "best layer".
    /// A pinned-free model: first and last layer are the same layer, so benchmark it with --no-pin.</summary>
    private static ModelGraph SingleConv3x3()
    {
        var m = new Maker("conv3x3", 4, seed: 3);
        var x = m.B.InputU8(64, 8, 8);
        x = m.ConvBnAct(x, 64, 64, 3, 1, 1);
        return m.B.Build(x);
    }

    /// <summary>One depthwise 3x3 layer of DS-CNN (25x5x64).</summary>
    private static ModelGraph SingleDepthwise3x3()
    {
        var m = new Maker("dw3x3", 4, seed: 4);
        var x = m.B.InputU8(64, 25, 5);
        x = m.ConvBnAct(x, 64, 64, 3, 1, 1, groups: 64);
        return m.B.Build(x);
    }

    /// <summary>One dense 640 -> 128 layer.</summary>
    private static ModelGraph SingleDense()
    {
        var m = new Maker("fc640", 8, seed: 5);
        var x = m.B.InputU8(1, 1, 640);
        x = m.B.Flatten(x);
        x = m.DenseBnAct(x, 640, 128);
        return m.B.Build(x);
    }

    /// <summary>Seeded random layers on one builder.</summary>
    private sealed class Maker
    {
        private readonly Random rng;

        public Maker(string name, int activationBits, int seed)
        {
            B = new TruncQuantGraphBuilder(name, WeightQuantizer.TruncQuant, TrainedBits, activationBits);
            rng = new Random(seed);
        }

        public TruncQuantGraphBuilder B { get; }

        public string ConvBnAct(string x, int cin, int cout, int k, int stride, int pad, int groups = 1) =>
            B.ActQuant(ConvBn(x, cin, cout, k, stride, pad, groups));

        public string ConvBnAct(string x, int cin, int cout, int kh, int kw, (int H, int W) stride,
            (int Top, int Left, int Bottom, int Right) pads, int groups = 1)
        {
            var y = B.Conv(x, Kaiming(cout * cin / groups * kh * kw, cin / groups * kh * kw), cout, kh, kw, stride, pads, groups);
            return B.ActQuant(B.BatchNorm(y, Bn(cout)));
        }

        public string ConvBn(string x, int cin, int cout, int k, int stride, int pad, int groups = 1)
        {
            var y = B.Conv(x, Kaiming(cout * cin / groups * k * k, cin / groups * k * k), cout, k, k, (stride, stride),
                (pad, pad, pad, pad), groups);
            return B.BatchNorm(y, Bn(cout));
        }

        public string DenseBnAct(string x, int fin, int fout) =>
            B.ActQuant(B.BatchNorm(B.Gemm(x, Kaiming(fout * fin, fin), fout), Bn(fout)));

        /// <summary>GlobalAveragePool, 8-bit quantizer, Flatten, Gemm (logits stay Int32).</summary>
        public ModelGraph Head(string x, int channels, int classes)
        {
            x = B.GlobalAveragePool(x);
            x = B.ActQuant(x, 8);
            x = B.Flatten(x);
            x = B.Gemm(x, Uniform(classes * channels, 1.0), classes, Uniform(classes, 0.1));
            return B.Build(x);
        }

        public float[] Kaiming(int count, int fanIn)
        {
            var std = Math.Sqrt(2.0 / fanIn);
            var w = new float[count];
            for (int i = 0; i < count; i++)
                w[i] = (float)(Gaussian() * std);
            return w;
        }

        public float[] Uniform(int count, double bound)
        {
            var w = new float[count];
            for (int i = 0; i < count; i++)
                w[i] = (float)((rng.NextDouble() * 2 - 1) * bound);
            return w;
        }

        /// <summary>A BatchNorm that maps a zero-mean pre-activation of standard deviation about
        /// 0.5 onto roughly [0, 1]: gamma 0.5..1, beta 0.2..0.5, mean near 0, var 0.2..0.4.</summary>
        public BatchNormParams Bn(int channels)
        {
            float[] gamma = new float[channels], beta = new float[channels], mean = new float[channels], var = new float[channels];
            for (int c = 0; c < channels; c++)
            {
                gamma[c] = (float)(0.5 + 0.5 * rng.NextDouble());
                beta[c] = (float)(0.2 + 0.3 * rng.NextDouble());
                mean[c] = (float)(0.1 * (rng.NextDouble() * 2 - 1));
                var[c] = (float)(0.2 + 0.2 * rng.NextDouble());
            }
            return new BatchNormParams(gamma, beta, mean, var);
        }

        private double Gaussian()
        {
            var u1 = 1.0 - rng.NextDouble();
            var u2 = rng.NextDouble();
            return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
        }
    }
}
