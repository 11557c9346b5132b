using TruncEdge.Model.Diagnostics;
using TruncEdge.Model.Graph;

namespace TruncEdge.Compiler.Passes;

/// <summary>
/// ONNX shapes (NCHW, or [N, features]) of every value in the graph, checked for consistency:
/// channel counts, weight shapes, window sizes. Batch must be 1 (a symbolic batch is read as 1).
/// </summary>
public sealed class InferShapes : ICompilerPass
{
    public string Name => "InferShapes";

    public void Run(Compilation compilation, DiagnosticBag diagnostics) =>
        compilation.Shapes = Run(compilation.Graph, compilation.Options, diagnostics);

    /// <summary>Every shape that could be inferred. A node whose shape is wrong is reported and its
    /// outputs are poisoned: the nodes after it are skipped silently, so one bad node is one error,
    /// and every independent bad node in the graph is reported in the same run.</summary>
    private static Dictionary<string, long[]> Run(ModelGraph graph, CompilerOptions options, DiagnosticBag diagnostics)
    {
        var file = options.SourceFile;
        var shapes = new Dictionary<string, long[]>(StringComparer.Ordinal);
        var poisoned = new HashSet<string>(StringComparer.Ordinal);
        foreach (var init in graph.Initializers.Values) shapes[init.Name] = init.Dims;
        foreach (var input in graph.Inputs)
        {
            if (!diagnostics.Try(() => shapes[input.Name] = InputShape(input, file))) poisoned.Add(input.Name);
        }

        foreach (var node in graph.Nodes)
        {
            if (node.Inputs.Any(poisoned.Contains) || !diagnostics.Try(() => shapes[Output(node)] = Infer(node)))
                poisoned.UnionWith(node.Outputs);
        }
        return shapes;

        string Output(Node n) => n.Outputs.Count > 0 ? n.Outputs[0] : throw Fail(n, "has no output");

        long[] Infer(Node node)
        {
            long[] In(int i)
            {
                if (i >= node.Inputs.Count || node.Inputs[i].Length == 0)
                    throw Fail(node, $"input {i} is missing");
                return shapes.TryGetValue(node.Inputs[i], out var s)
                    ? s : throw Fail(node, $"input '{node.Inputs[i]}' has no known shape");
            }

            return node.OpType switch
            {
                "Conv" => Conv(node, In(0), In(1)),
                "Gemm" => Gemm(node, In(0), In(1)),
                "MatMul" => MatMul(node, In(0), In(1)),
                "MaxPool" or "AveragePool" => Pool(node, In(0)),
                "GlobalAveragePool" => Rank4(node, In(0)) is var g ? [1, g[1], 1, 1] : [],
                "Flatten" => Flatten(node, In(0)),
                "Reshape" => Reshape(node, In(0), graph),
                "Add" => Broadcast(node, In(0), In(1)),
                "BatchNormalization" => BatchNorm(node, In(0), graph),
                _ => In(0), // Relu, Clip, QuantizeLinear, DequantizeLinear keep the shape
            };
        }

        DiagnosticException Fail(Node n, string message) => new("TE2013", message, file, n.Label);

        long[] Rank4(Node n, long[] s) => s.Length == 4 ? s : throw Fail(n, $"expected a [1,C,H,W] input, got [{string.Join(",", s)}]");

        long[] Conv(Node n, long[] x, long[] w)
        {
            Rank4(n, x);
            if (w.Length != 4) throw Fail(n, $"weight must be [M, C/group, kH, kW], got [{string.Join(",", w)}]");
            var group = n.GetInt("group", 1);
            if (group < 1 || x[1] % group != 0 || w[0] % group != 0)
                throw Fail(n, $"group {group} does not divide input channels {x[1]} and output channels {w[0]}");
            if (w[1] * group != x[1])
                throw Fail(n, $"weight expects {w[1] * group} input channels, input has {x[1]}");
            var (oh, ow) = Window(n, x, w[2], w[3]);
            return [1, w[0], oh, ow];
        }

        long[] Pool(Node n, long[] x)
        {
            Rank4(n, x);
            var k = n.GetInts("kernel_shape") ?? throw Fail(n, "kernel_shape is required");
            if (k.Length != 2) throw Fail(n, "kernel_shape must have 2 values");
            var (oh, ow) = Window(n, x, k[0], k[1]);
            return [1, x[1], oh, ow];
        }

        (long, long) Window(Node n, long[] x, long kh, long kw)
        {
            var p = Geometry.Of(n, x[2], x[3], kh, kw, file);
            var oh = (x[2] + p.PadTop + p.PadBottom - kh) / p.StrideH + 1;
            var ow = (x[3] + p.PadLeft + p.PadRight - kw) / p.StrideW + 1;
            if (oh < 1 || ow < 1) throw Fail(n, $"window {kh}x{kw} does not fit input {x[2]}x{x[3]} with its padding");
            return (oh, ow);
        }

        long[] Gemm(Node n, long[] a, long[] b)
        {
            if (a.Length != 2 || a[0] != 1) throw Fail(n, $"expected input [1, features], got [{string.Join(",", a)}]");
            if (b.Length != 2) throw Fail(n, $"weight must be 2-D, got [{string.Join(",", b)}]");
            if (n.GetInt("transA", 0) != 0) throw Fail(n, "transA=1 is not supported");
            var transB = n.GetInt("transB", 0) != 0;
            var (inF, outF) = transB ? (b[1], b[0]) : (b[0], b[1]);
            if (inF != a[1]) throw Fail(n, $"weight expects {inF} input features, input has {a[1]}");
            return [1, outF];
        }

        long[] MatMul(Node n, long[] a, long[] b)
        {
            if (a.Length != 2 || a[0] != 1) throw Fail(n, $"expected input [1, features], got [{string.Join(",", a)}]");
            if (b.Length != 2 || b[0] != a[1]) throw Fail(n, $"weight must be [{a[1]}, out], got [{string.Join(",", b)}]");
            return [1, b[1]];
        }

        long[] Flatten(Node n, long[] x)
        {
            var axis = n.GetInt("axis", 1);
            if (axis != 1) throw Fail(n, $"only Flatten with axis=1 is supported, got {axis}");
            return [1, x.Skip(1).Aggregate(1L, (p, d) => p * d)];
        }

        long[] Reshape(Node n, long[] x, ModelGraph g)
        {
            var target = n.Inputs.Count > 1 ? g.FindInitializer(n.Inputs[1]) : null;
            if (target?.Ints is not { } t) throw Fail(n, "the target shape must be a constant");
            var features = x.Skip(1).Aggregate(1L, (p, d) => p * d);
            if (t.Length == 2 && (t[0] is 1 or -1 or 0) && (t[1] == -1 || t[1] == features))
                return [1, features];
            throw Fail(n, $"only reshapes to [1, {features}] (a flatten) are supported, got [{string.Join(",", t)}]");
        }

        long[] Broadcast(Node n, long[] a, long[] b)
        {
            if (a.SequenceEqual(b)) return a;
            // A per-channel constant added to a tensor (a bias): [C], [1,C], [C,1,1] or [1,C,1,1].
            var (big, small) = a.Length >= b.Length ? (a, b) : (b, a);
            var channels = big[1];
            if (small.Aggregate(1L, (p, d) => p * d) == channels || small.Aggregate(1L, (p, d) => p * d) == 1)
                return big;
            throw Fail(n, $"cannot add shapes [{string.Join(",", a)}] and [{string.Join(",", b)}]");
        }

        long[] BatchNorm(Node n, long[] x, ModelGraph g)
        {
            for (var i = 1; i <= 4; i++)
            {
                var p = i < n.Inputs.Count ? g.FindInitializer(n.Inputs[i]) : null;
                if (p is null) throw Fail(n, $"parameter {i} must be an initializer");
                if (p.ElementCount != x[1]) throw Fail(n, $"parameter '{p.Name}' has {p.ElementCount} values for {x[1]} channels");
            }
            return x;
        }
    }

    private static long[] InputShape(ValueInfo input, string file)
    {
        var s = input.Shape.ToArray();
        if (s.Length is not (2 or 4))
            throw new DiagnosticException("TE2010", $"input '{input.Name}' has rank {s.Length}; expected [1,C,H,W] or [1,F]", file);
        if (s[0] <= 0) s[0] = 1;
        if (s[0] != 1)
            throw new DiagnosticException("TE2011", $"input '{input.Name}' has batch {s[0]}; TruncEdge compiles batch 1", file);
        if (s.Skip(1).Any(d => d <= 0))
            throw new DiagnosticException("TE2012", $"input '{input.Name}' needs fixed dimensions, got [{string.Join(",", input.Shape)}]", file);
        return s;
    }
}

/// <summary>Strides and pads of a Conv or pool node, auto_pad resolved, dilations checked.</summary>
public sealed record Geometry(int StrideH, int StrideW, int PadTop, int PadLeft, int PadBottom, int PadRight)
{
    public static Geometry Of(Node n, long h, long w, long kh, long kw, string file)
    {
        var strides = n.GetInts("strides") ?? [1, 1];
        if (strides.Length != 2 || strides.Any(s => s < 1))
            throw new DiagnosticException("TE2014", "strides must be two positive values", file, n.Label);
        var dil = n.GetInts("dilations");
        if (dil is not null && dil.Any(d => d != 1))
            throw new DiagnosticException("TE2015", "dilations other than 1 are not supported", file, n.Label);
        if (n.GetInt("ceil_mode", 0) != 0)
            throw new DiagnosticException("TE2016", "ceil_mode=1 is not supported", file, n.Label);
        var autoPad = n.GetString("auto_pad") ?? "NOTSET";
        long[] pads;
        switch (autoPad)
        {
            case "NOTSET":
                pads = n.GetInts("pads") ?? [0, 0, 0, 0];
                if (pads.Length != 4 || pads.Any(p => p < 0))
                    throw new DiagnosticException("TE2017", "pads must be four non-negative values", file, n.Label);
                break;
            case "VALID":
                pads = [0, 0, 0, 0];
                break;
            case "SAME_UPPER" or "SAME_LOWER":
                long Total(long size, long k, long s) => Math.Max(0, ((size + s - 1) / s - 1) * s + k - size);
                var th = Total(h, kh, strides[0]);
                var tw = Total(w, kw, strides[1]);
                pads = autoPad == "SAME_UPPER"
                    ? [th / 2, tw / 2, th - th / 2, tw - tw / 2]
                    : [th - th / 2, tw - tw / 2, th / 2, tw / 2];
                break;
            default:
                throw new DiagnosticException("TE2018", $"auto_pad '{autoPad}' is not supported", file, n.Label);
        }
        if (pads[0] >= kh || pads[2] >= kh || pads[1] >= kw || pads[3] >= kw)
            throw new DiagnosticException("TE2019", "padding must be smaller than the kernel", file, n.Label);
        return new((int)strides[0], (int)strides[1], (int)pads[0], (int)pads[1], (int)pads[2], (int)pads[3]);
    }
}
