using System.Diagnostics;
using System.Globalization;
using TruncEdge.Model.TruncQuant;
using TruncEdge.Trainer.Export;
using TruncEdge.Trainer.Kernels;
using TruncEdge.Trainer.Tensors;
using TruncEdge.Trainer.Training;

namespace TruncEdge.Bench;

/// <summary>
/// Benchmarks and experiments for the trainer (not part of the product):
///   truncedge-bench gemm [threads]
///   truncedge-bench train model=cnn data=digits epochs=5 bits=1,2,4,8 act=4 batch=128 lr=1e-3 quant=truncquant threads=2 out=model.onnx
///   truncedge-bench table round.json truncquant.json      (result=FILE.json on train writes these)
///   truncedge-bench speed model=resnet8 data=cifar10 batch=128 threads=2 steps=20 bits=1,2,4,8 fp=true
/// </summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        string verb = args.Length > 0 ? args[0] : "gemm";
        var kv = args.Skip(1).Where(a => a.Contains('=')).Select(a => a.Split('=', 2)).ToDictionary(a => a[0], a => a[1]);
        switch (verb)
        {
            case "gemm":
                GemmBench(args.Length > 1 && !args[1].Contains('=') ? int.Parse(args[1], CultureInfo.InvariantCulture) : 0);
                return 0;
            case "train":
                return Train(kv);
            case "intcheck":
                return IntegerCheck.Run(args[1], kv);
            case "table":
                return ResultTable.Print(args[1], args[2]);
            case "params":
                foreach (var arch in TruncEdge.Trainer.Zoo.ModelZoo.Architectures)
                {
                    foreach (var shape in new[] { new TruncEdge.Trainer.Zoo.InputShape(3, 32, 32, 10), new TruncEdge.Trainer.Zoo.InputShape(1, 28, 28, 10), new TruncEdge.Trainer.Zoo.InputShape(1, 49, 10, 12) })
                    {
                        var net = TruncEdge.Trainer.Zoo.ModelZoo.Create(arch, shape, 4, WeightQuantizer.TruncQuant, new Rng(1));
                        Console.WriteLine($"{arch} {shape.Channels}x{shape.Height}x{shape.Width}: {net.ParameterCount} weight-layer parameters");
                    }
                }
                return 0;
            case "opparts":
                return OpParts.Run();
            case "convparts":
                return ConvParts.Run();
            case "profile":
                return LayerProfile.Run(kv);
            case "speed":
                return TrainingSpeed.Run(kv);
            default:
                Console.Error.WriteLine($"unknown verb {verb}");
                return 2;
        }
    }

    internal static TrainOptions Options(Dictionary<string, string> kv)
    {
        string Get(string k, string d) => kv.TryGetValue(k, out var v) ? v : d;
        var bits = Get("bits", "1,2,4,8");
        return new TrainOptions
        {
            Model = Get("model", "cnn"),
            Data = Get("data", "digits"),
            Epochs = int.Parse(Get("epochs", "5"), CultureInfo.InvariantCulture),
            WeightBits = bits.Length == 0 ? [] : bits.Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray(),
            FullPrecisionMember = bool.Parse(Get("fp", "true")),
            ActivationBits = int.Parse(Get("act", "4"), CultureInfo.InvariantCulture),
            BatchSize = int.Parse(Get("batch", "128"), CultureInfo.InvariantCulture),
            LearningRate = double.Parse(Get("lr", "1e-3"), CultureInfo.InvariantCulture),
            Quantizer = Get("quant", "truncquant") == "round" ? WeightQuantizer.Round : WeightQuantizer.TruncQuant,
            Threads = int.Parse(Get("threads", "0"), CultureInfo.InvariantCulture),
            Seed = ulong.Parse(Get("seed", "1"), CultureInfo.InvariantCulture),
            CalibrationEpochs = double.Parse(Get("calib", "1"), CultureInfo.InvariantCulture),
            TrainLimit = kv.TryGetValue("trainlimit", out var tl) ? int.Parse(tl, CultureInfo.InvariantCulture) : null,
            TestLimit = kv.TryGetValue("testlimit", out var sl) ? int.Parse(sl, CultureInfo.InvariantCulture) : null,
            CheckpointPath = kv.TryGetValue("checkpoint", out var cp) ? cp : null,
        };
    }

    private static int Train(Dictionary<string, string> kv)
    {
        var options = Options(kv);
        var sw = Stopwatch.StartNew();
        var session = kv.TryGetValue("resume", out var ck) ? TrainingSession.Resume(ck, o => o with { Epochs = options.Epochs }) : TrainingSession.Create(options);
        var progress = new ConsoleProgress();
        var result = session.Run(progress);
        Console.WriteLine($"done in {sw.Elapsed.TotalSeconds:F1} s (training {result.TrainingTime.TotalSeconds:F1} s, {result.SamplesPerSecond:F0} samples/s)");
        foreach (var row in result.Test.Rows)
        {
            Console.WriteLine($"  {row.Precision,3} {row.Deployment,-9} {100 * row.Accuracy,6:F2} %  loss {row.Loss:F4}");
        }
        if (kv.TryGetValue("result", out var resultPath))
        {
            ResultTable.Save(resultPath, "truncedge-bench " + string.Join(" ", Environment.GetCommandLineArgs().Skip(1)), options, result);
        }
        if (kv.TryGetValue("out", out var path))
        {
            OnnxExport.Write(result, path);
            Console.WriteLine($"wrote {path}");
        }
        return 0;
    }

    private sealed class ConsoleProgress : IProgress<TrainProgress>
    {
        public void Report(TrainProgress p)
        {
            switch (p.Phase)
            {
                case TrainPhase.EpochCompleted:
                    var test = p.Test is null ? "" : " test " + string.Join(" ", p.Test.Rows.Select(r => $"{r.Precision}:{100 * r.Accuracy:F1}"));
                    Console.WriteLine($"epoch {p.Epoch}/{p.Epochs} loss {p.Loss:F4} acc {100 * p.Accuracy:F1} {p.SamplesPerSecond:F0} samples/s lr {p.LearningRate:G3} elapsed {p.Elapsed.TotalSeconds:F1}s{test}");
                    break;
                case TrainPhase.Calibrating when p.Step == p.StepsPerEpoch:
                    Console.WriteLine($"  {p.Message}: {p.Elapsed.TotalSeconds:F1}s");
                    break;
            }
        }
    }

    private static void GemmBench(int threads)
    {
        var ctx = new ComputeContext(threads);
        (int m, int n, int k, bool ta, bool tb)[] cases =
        [
            (512, 512, 512, false, false),
            (16, 131072, 144, false, false),
            (32, 32768, 288, false, false),
            (64, 8192, 576, false, false),
            (16, 144, 131072, false, true),
            (64, 576, 8192, false, true),
            (144, 131072, 16, true, false),
            (576, 8192, 64, true, false),
            (256, 128, 784, false, false),
        ];
        var rng = new Rng(1);
        foreach (var (m, n, k, ta, tb) in cases)
        {
            var a = Rand(rng, m * k);
            var b = Rand(rng, k * n);
            var c = new float[m * n];
            var av = ta ? MatrixView.RowMajor(a, m).Transposed : MatrixView.RowMajor(a, k);
            var bv = tb ? MatrixView.RowMajor(b, k).Transposed : MatrixView.RowMajor(b, n);
            Gemm.Multiply(ctx, m, n, k, av, bv, c, 0, n, false);
            int reps = Math.Max(1, (int)(2e9 / (2.0 * m * n * k)));
            var sw = Stopwatch.StartNew();
            for (int r = 0; r < reps; r++)
            {
                Gemm.Multiply(ctx, m, n, k, av, bv, c, 0, n, false);
            }
            double s = sw.Elapsed.TotalSeconds / reps;
            Console.WriteLine($"m={m,6} n={n,7} k={k,7} ta={ta,-5} tb={tb,-5} {2.0 * m * n * k / s / 1e9,8:F1} GFLOP/s");
        }
    }

    private static float[] Rand(Rng rng, int n)
    {
        var a = new float[n];
        for (int i = 0; i < n; i++)
        {
            a[i] = (float)(rng.NextDouble() - 0.5);
        }
        return a;
    }
}
