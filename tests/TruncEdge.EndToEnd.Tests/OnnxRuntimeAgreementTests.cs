using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using TruncEdge.Compiler;
using TruncEdge.Compiler.Passes;
using TruncEdge.Compiler.Program;
using TruncEdge.Compiler.Reference;
using TruncEdge.Model.Graph;
using TruncEdge.Model.Onnx;
using Xunit.Abstractions;

namespace TruncEdge.EndToEnd.Tests;

/// <summary>
/// The integer Program against an independent executor of the ONNX file, Microsoft's ONNX
/// Runtime: the exported graph with its weights dequantized at each k, in float32
/// (<see cref="GraphAtBits"/>), on random models and the trained example. Each quantized tensor
/// is computed by ONNX Runtime from the Program's own codes of its inputs (the graph is cut at
/// every QuantizeLinear), so every op is compared on its own, with nothing inherited from an
/// earlier op, and every code must be identical, with one documented difference
/// (docs/integer-semantics.md, "An independent executor"): ONNX Runtime rounds float32 values,
/// so where the exact value is a tie or within float32 noise of a rounding boundary its code may
/// be one away. Such a code is accepted only when ONNX Runtime's own value before rounding is
/// within <see cref="NearBoundary"/> of a half.
/// </summary>
public sealed class OnnxRuntimeAgreementTests(ITestOutputHelper output)
{
    /// <summary>How close to a half (in output codes) a float32 value must be for its rounding to
    /// be float32 noise: float32 keeps about 7 digits, so values up to 255 carry 2e-5.</summary>
    private const double NearBoundary = 1e-4;

    private sealed class Tally
    {
        public int Runs, Tensors, Codes, NearBoundaryCodes;
        public double WorstDistance;
        public List<string> Failures { get; } = [];
    }

    [Fact]
    public void IntegerProgramGivesOnnxRuntimesCodesOnRandomModels()
    {
        var tally = new Tally();
        for (var seed = 0; seed < 60; seed++)
        {
            var c = RandomModels.Make(seed);
            Compare(c.Graph, c.Pin, $"random{seed} ({c.Description})", new Random(seed), samples: 2, tally);
        }
        Report(tally, minTensors: 3000);
    }

    [Fact]
    public void IntegerProgramGivesOnnxRuntimesCodesOnTheTrainedExample()
    {
        var tally = new Tally();
        var graph = OnnxReader.Read(Path.Combine(RepoRoot(), "examples", "digits-cnn", "model.onnx"));
        Compare(graph, pin: true, "examples/digits-cnn", new Random(7), samples: 16, tally);
        Report(tally, minTensors: 500);
    }

    private void Report(Tally t, int minTensors)
    {
        output.WriteLine($"{t.Runs} runs, {t.Tensors} quantized tensors, {t.Codes} codes compared: " +
                         $"{t.Codes - t.NearBoundaryCodes} identical, {t.NearBoundaryCodes} one code apart at a value within " +
                         $"{t.WorstDistance:g2} of a half in float32");
        Assert.True(t.Failures.Count == 0, string.Join("\n", t.Failures.Take(10)));
        Assert.True(t.Tensors >= minTensors, $"only {t.Tensors} tensors compared");
        // float32 noise at a boundary is rare; a systematic difference (a rounding rule, a layout) is not.
        Assert.True(t.NearBoundaryCodes <= t.Codes / 100, $"{t.NearBoundaryCodes} of {t.Codes} codes differ near a boundary");
    }

    private static void Compare(ModelGraph graph, bool pin, string label, Random rng, int samples, Tally tally)
    {
        var program = new CompilerPipeline().Compile(graph, new CompilerOptions { PinFirstAndLast = pin, SourceFile = label });
        var reference = new ReferenceExecutor(program);
        var pinned = program.Layers.Where(l => l.Pinned).Select(l => l.Name).ToHashSet(StringComparer.Ordinal);
        var inputInfo = graph.Inputs[0];
        var inputShape = inputInfo.Shape.Select(d => (int)Math.Max(1, d)).ToArray();
        // The quantized tensors the Program computes, by ONNX name, with their ONNX (NCHW) shapes
        // as the float64 reference sees them.
        var quantizers = graph.Nodes.Where(n => n.OpType == "QuantizeLinear").ToDictionary(n => n.Outputs[0], StringComparer.Ordinal);
        var opOf = program.Ops.Select((op, i) => (op, i)).ToDictionary(x => program.Tensors[x.op.Output].Name, x => x.i, StringComparer.Ordinal);
        var shapes = new Dictionary<string, (double[] D, long[] S)>(StringComparer.Ordinal);
        new FloatReference(graph).Run(new byte[program.InputTensor.Shape.Size], _ => 8, shapes);
        var cut = quantizers.Keys.Where(name => opOf.TryGetValue(name, out var i) && program.Tensors[program.Ops[i].Output].Kind == ElementKind.Code)
            .ToDictionary(name => name, name => shapes[name].S, StringComparer.Ordinal);
        using var options = new SessionOptions
        {
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL, // the graph as written, no fused float math
            IntraOpNumThreads = 1,
        };
        for (var k = 1; k <= 8; k++)
        {
            int BitsFor(string layer) => pinned.Contains(layer) ? 8 : k;
            using var session = new InferenceSession(OnnxWriter.ToBytes(GraphAtBits.Make(graph, BitsFor, cut)), options);
            var bits = BitWidths.All(program, k);
            for (var sample = 0; sample < samples; sample++)
            {
                var hwc = new byte[program.InputTensor.Shape.Size];
                rng.NextBytes(hwc);
                var nchw = ToNchw(hwc, inputShape);
                var run = reference.Run(hwc, bits, keepIntermediates: true);
                var feeds = new List<NamedOnnxValue>
                {
                    inputInfo.ElementType == DataType.UInt8
                        ? NamedOnnxValue.CreateFromTensor(inputInfo.Name, new DenseTensor<byte>(nchw, inputShape))
                        : NamedOnnxValue.CreateFromTensor(inputInfo.Name, new DenseTensor<float>(nchw.Select(b => b / 255f).ToArray(), inputShape)),
                };
                foreach (var (name, shape) in cut)
                {
                    var dims = shape.Select(d => (int)d).ToArray();
                    var codes = run.OpOutputs![opOf[name]];
                    feeds.Add(NamedOnnxValue.CreateFromTensor(GraphAtBits.Fed(name), new DenseTensor<byte>(dims.Length == 4 ? ToNchw(codes, dims) : codes, dims)));
                }
                using var results = session.Run(feeds);
                var ort = results.ToDictionary(r => r.Name, StringComparer.Ordinal);
                tally.Runs++;
                foreach (var name in cut.Keys)
                    CompareTensor(program, run.OpOutputs![opOf[name]], program.Tensors[program.Ops[opOf[name]].Output], ort, quantizers[name],
                        $"{label} k={k} sample {sample}", tally);
            }
        }
    }

    private static void CompareTensor(IntegerProgram program, byte[] ours, ProgramTensor t, Dictionary<string, DisposableNamedOnnxValue> ort,
        Node quantizer, string where, Tally tally)
    {
        _ = program;
        var codes = ort[t.Name].AsTensor<byte>();
        var dims = codes.Dimensions.ToArray();
        var theirs = dims.Length == 4 ? ToHwc(codes.ToArray(), dims) : codes.ToArray();
        var before = ort[GraphAtBits.BeforeRounding(quantizer)].AsTensor<float>();
        var beforeHwc = dims.Length == 4 ? ToHwc(before.ToArray(), dims) : before.ToArray();
        tally.Tensors++;
        for (var e = 0; e < ours.Length; e++)
        {
            tally.Codes++;
            if (ours[e] == theirs[e]) continue;
            // The one allowed difference: one code, where float32 sits at a rounding boundary.
            var v = Math.Clamp((double)beforeHwc[e], 0, 1) * t.MaxCode;
            var distance = Math.Abs(v - Math.Floor(v) - 0.5);
            if (Math.Abs(ours[e] - theirs[e]) == 1 && distance <= NearBoundary)
            {
                tally.NearBoundaryCodes++;
                tally.WorstDistance = Math.Max(tally.WorstDistance, distance);
                continue;
            }
            if (tally.Failures.Count < 10)
                tally.Failures.Add($"{where}: tensor '{t.Name}' element {e}: Program {ours[e]}, ONNX Runtime {theirs[e]} " +
                                   $"(its value before rounding {v:R} codes)");
        }
    }

    private static T[] ToNchw<T>(T[] hwc, int[] shape)
    {
        int c = shape[1], h = shape[2], w = shape[3];
        var r = new T[hwc.Length];
        for (var y = 0; y < h; y++) for (var x = 0; x < w; x++) for (var k = 0; k < c; k++)
            r[(k * h + y) * w + x] = hwc[(y * w + x) * c + k];
        return r;
    }

    private static T[] ToHwc<T>(T[] nchw, int[] dims)
    {
        int c = dims[1], h = dims[2], w = dims[3];
        var r = new T[nchw.Length];
        for (var y = 0; y < h; y++) for (var x = 0; x < w; x++) for (var k = 0; k < c; k++)
            r[(y * w + x) * c + k] = nchw[(k * h + y) * w + x];
        return r;
    }

    private static string RepoRoot()
    {
        var dir = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(dir, "TruncEdge.sln"))) dir = Path.GetDirectoryName(dir) ?? throw new InvalidOperationException("TruncEdge.sln not found above " + AppContext.BaseDirectory);
        return dir;
    }
}
