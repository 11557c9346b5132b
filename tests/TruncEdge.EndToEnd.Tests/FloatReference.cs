using TruncEdge.Model.Graph;
using TruncEdge.Model.TruncQuant;

namespace TruncEdge.EndToEnd.Tests;

/// <summary>
/// An independent float64 evaluation of a TruncQuant-profile graph, written from the ONNX
/// semantics and TRUNCQUANT.md, sharing no code with the compiler: real weights E*s/n at the
/// layer's bit width, BatchNorm of that bit width, activation quantizers rounding half to even (ONNX QuantizeLinear).
/// The integer Program must approximate it closely; this catches lowering mistakes (layouts,
/// folding, fusion) that a C-versus-C# comparison cannot see.
/// </summary>
public sealed class FloatReference(ModelGraph graph)
{
    private readonly WeightQuantizer _quantizer = TruncQuantMetadata.Read(graph).WeightQuantizer;

    /// <param name="input">HWC uint8 codes.</param>
    /// <param name="bitsFor">Weight bits of each weight node, by node name.</param>
    public double[] Run(byte[] input, Func<string, int> bitsFor, Dictionary<string, (double[] D, long[] S)>? values = null)
    {
        var v = values ?? new Dictionary<string, (double[] D, long[] S)>(StringComparer.Ordinal);
        var inInfo = graph.Inputs[0];
        var s = inInfo.Shape.Select(d => d <= 0 ? 1 : d).ToArray();
        // A uint8 input holds the codes themselves (its DequantizeLinear divides by 255); a float input holds code/255.
        var unit = inInfo.ElementType == DataType.UInt8 ? 1.0 : 1.0 / 255;
        v[inInfo.Name] = (FromHwc(input, s).Select(a => a * 255 * unit).ToArray(), s);
        foreach (var init in graph.Initializers.Values) v[init.Name] = (init.AsDoubles(), init.Dims);

        foreach (var n in graph.Nodes)
        {
            (double[] D, long[] S) X(int i) => v[n.Inputs[i]];
            var x = X(0);
            (double[], long[]) r = n.OpType switch
            {
                "DequantizeLinear" => (x.D.Select(a => a * ExactScale(X(1).D[0])).ToArray(), x.S),
                "QuantizeLinear" => (x.D.Select(a => Math.Clamp(RoundHalfEven(a / ExactScale(X(1).D[0])), 0, 255)).ToArray(), x.S),
                "Clip" => (x.D.Select(a => Math.Clamp(a, X(1).D[0], X(2).D[0])).ToArray(), x.S),
                "Relu" => (x.D.Select(a => Math.Max(a, 0)).ToArray(), x.S),
                "Conv" => Conv(n, x, bitsFor(n.Name)),
                "Gemm" => Dense(n, x, bitsFor(n.Name), n.GetInt("transB", 0) != 0, n.Inputs.Count > 2 ? X(2).D : null),
                "MatMul" => Dense(n, x, bitsFor(n.Name), false, null),
                "BatchNormalization" => BatchNorm(n, x, bitsFor),
                "Add" => Add(x, X(1)),
                "MaxPool" or "AveragePool" => Pool(n, x),
                "GlobalAveragePool" => Gap(x),
                "Flatten" or "Reshape" => (x.D, new long[] { 1, x.D.Length }),
                _ => throw new NotSupportedException(n.OpType),
            };
            v[n.Outputs[0]] = r;
        }
        return v[graph.Outputs[0].Name].D;
    }

    /// <summary>The profile's scale 1/(2^b-1), of which the file holds the nearest float32.</summary>
    private static double ExactScale(double stored)
    {
        var b = Enumerable.Range(1, 8).First(b => Math.Abs(stored * ((1 << b) - 1) - 1) < 1e-6);
        return 1.0 / ((1 << b) - 1);
    }

    /// <summary>Round half to even, treating values within float noise of a half as exact halves:
    /// sums and averages of codes are rationals that land exactly on halves, which float64 blurs.</summary>
    private static double RoundHalfEven(double v)
    {
        var f = Math.Floor(v);
        return Math.Abs(v - f - 0.5) < 1e-9 * Math.Max(1, Math.Abs(v)) ? (f % 2 == 0 ? f : f + 1) : Math.Floor(v + 0.5);
    }

    /// <summary>The weight node (Conv/Gemm/MatMul) that a BatchNorm follows, through a bias Add.</summary>
    internal string Producer(string value)
    {
        var node = graph.Nodes.First(n => n.Outputs[0] == value);
        return node.OpType is "Conv" or "Gemm" or "MatMul"
            ? node.Name
            : Producer(node.Inputs.First(i => !graph.Initializers.ContainsKey(i)));
    }

    private static double[] FromHwc(byte[] input, long[] s)
    {
        if (s.Length == 2) return input.Select(b => b / 255.0).ToArray();
        int c = (int)s[1], h = (int)s[2], w = (int)s[3];
        var d = new double[c * h * w];
        for (var y = 0; y < h; y++) for (var x = 0; x < w; x++) for (var k = 0; k < c; k++)
            d[(k * h + y) * w + x] = input[(y * w + x) * c + k] / 255.0;
        return d;
    }

    /// <summary>Converts an NCHW result to the Program's HWC order.</summary>
    public static double[] ToHwc(double[] d, long[] s)
    {
        if (s.Length != 4) return d;
        int c = (int)s[1], h = (int)s[2], w = (int)s[3];
        var r = new double[d.Length];
        for (var y = 0; y < h; y++) for (var x = 0; x < w; x++) for (var k = 0; k < c; k++)
            r[(y * w + x) * c + k] = d[(k * h + y) * w + x];
        return r;
    }

    /// <summary>The real weights of initializer <paramref name="name"/> at k bits, E * s / (2^k - 1).</summary>
    internal double[] RealWeights(string name, int k)
    {
        var set = TruncQuantProfile.GetWeightCodes(graph, name, _quantizer);
        var n = (1 << k) - 1;
        return set.Codes8.Select(c => set.MeanAbs * (2 * (c >> (8 - k)) - n) / n).ToArray();
    }

    private (double[], long[]) Conv(Node node, (double[] D, long[] S) x, int k)
    {
        var wName = node.Inputs[1];
        var ws = graph.Initializers[wName].Dims;
        var w = RealWeights(wName, k);
        var bias = node.Inputs.Count > 2 ? graph.Initializers[node.Inputs[2]].AsDoubles() : null;
        int cin = (int)x.S[1], h = (int)x.S[2], wd = (int)x.S[3];
        int m = (int)ws[0], cg = (int)ws[1], kh = (int)ws[2], kw = (int)ws[3];
        var g = (int)node.GetInt("group", 1);
        var st = node.GetInts("strides") ?? [1, 1];
        var p = node.GetInts("pads") ?? [0, 0, 0, 0];
        int oh = (int)((h + p[0] + p[2] - kh) / st[0] + 1), ow = (int)((wd + p[1] + p[3] - kw) / st[1] + 1);
        var y = new double[m * oh * ow];
        for (var o = 0; o < m; o++)
        {
            var gi = o / (m / g);
            for (var i = 0; i < oh; i++) for (var j = 0; j < ow; j++)
            {
                var acc = bias?[o] ?? 0.0;
                for (var c = 0; c < cg; c++) for (var a = 0; a < kh; a++) for (var b = 0; b < kw; b++)
                {
                    long ih = i * st[0] + a - p[0], iw = j * st[1] + b - p[1];
                    if (ih < 0 || ih >= h || iw < 0 || iw >= wd) continue;
                    acc += w[((o * cg + c) * kh + a) * kw + b] * x.D[((gi * cg + c) * h + ih) * wd + iw];
                }
                y[(o * oh + i) * ow + j] = acc;
            }
        }
        _ = cin;
        return (y, [1, m, oh, ow]);
    }

    private (double[], long[]) Dense(Node node, (double[] D, long[] S) x, int k, bool transB, double[]? bias)
    {
        var ws = graph.Initializers[node.Inputs[1]].Dims;
        var w = RealWeights(node.Inputs[1], k);
        int inF = x.D.Length, outF = (int)(transB ? ws[0] : ws[1]);
        var y = new double[outF];
        for (var o = 0; o < outF; o++)
        {
            var acc = bias is null ? 0 : bias[bias.Length == 1 ? 0 : o];
            for (var i = 0; i < inF; i++) acc += (transB ? w[o * inF + i] : w[i * outF + o]) * x.D[i];
            y[o] = acc;
        }
        return (y, [1, outF]);
    }

    private (double[], long[]) BatchNorm(Node n, (double[] D, long[] S) x, Func<string, int> bitsFor)
    {
        var p = TruncQuantProfile.GetBatchNormParams(graph, n, bitsFor(Producer(n.Inputs[0])));
        var eps = n.GetFloat("epsilon", 1e-5f);
        var c = (int)x.S[1];
        var per = x.D.Length / c;
        var y = new double[x.D.Length];
        for (var i = 0; i < x.D.Length; i++)
        {
            var ch = i / per;
            y[i] = (x.D[i] - p.Mean[ch]) * p.Gamma[ch] / Math.Sqrt(p.Var[ch] + (double)eps) + p.Beta[ch];
        }
        return (y, x.S);
    }

    private static (double[], long[]) Add((double[] D, long[] S) a, (double[] D, long[] S) b)
    {
        if (a.D.Length == b.D.Length) return (a.D.Zip(b.D, (p, q) => p + q).ToArray(), a.S);
        // per-channel constant (bias)
        var (big, small) = a.D.Length > b.D.Length ? (a, b) : (b, a);
        var per = big.D.Length / small.D.Length;
        return (big.D.Select((v, i) => v + small.D[i / per]).ToArray(), big.S);
    }

    private static (double[], long[]) Pool(Node n, (double[] D, long[] S) x)
    {
        var k = n.GetInts("kernel_shape")!;
        var st = n.GetInts("strides") ?? [1, 1];
        var p = n.GetInts("pads") ?? [0, 0, 0, 0];
        var max = n.OpType == "MaxPool";
        var include = n.GetInt("count_include_pad", 0) != 0;
        int c = (int)x.S[1], h = (int)x.S[2], w = (int)x.S[3];
        int oh = (int)((h + p[0] + p[2] - k[0]) / st[0] + 1), ow = (int)((w + p[1] + p[3] - k[1]) / st[1] + 1);
        var y = new double[c * oh * ow];
        for (var ch = 0; ch < c; ch++) for (var i = 0; i < oh; i++) for (var j = 0; j < ow; j++)
        {
            double acc = max ? double.NegativeInfinity : 0; var count = 0;
            for (var a = 0; a < k[0]; a++) for (var b = 0; b < k[1]; b++)
            {
                long ih = i * st[0] + a - p[0], iw = j * st[1] + b - p[1];
                if (ih < 0 || ih >= h || iw < 0 || iw >= w) continue;
                var v = x.D[(ch * h + ih) * w + iw];
                acc = max ? Math.Max(acc, v) : acc + v;
                count++;
            }
            y[(ch * oh + i) * ow + j] = max ? acc : acc / (include ? k[0] * k[1] : count);
        }
        return (y, [1, c, oh, ow]);
    }

    private static (double[], long[]) Gap((double[] D, long[] S) x)
    {
        int c = (int)x.S[1], per = x.D.Length / c;
        return (Enumerable.Range(0, c).Select(ch => x.D.Skip(ch * per).Take(per).Average()).ToArray(), [1, c, 1, 1]);
    }
}
