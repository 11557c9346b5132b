using TruncEdge.Compiler.Draft;
using TruncEdge.Compiler.Program;
using TruncEdge.Model.Diagnostics;
using TruncEdge.Model.Graph;

namespace TruncEdge.Compiler.Passes;

/// <summary>
/// Walks the ONNX graph in order and recognises the dataflow of the TruncQuant profile:
/// activation quantizers (Clip/Relu + QuantizeLinear + DequantizeLinear, their parameters from
/// RecognizeQuantizers) become Code tensors, Conv/Gemm become weight layers (codes from
/// ResolveWeights, still in ONNX order) with the BatchNorms and constant Adds that follow them
/// (FoldBatchNorms folds them into per-k affine maps), and Adds of two values fuse into the Conv
/// that feeds them. Tensors are HWC. Weight order (LayOutWeights) and Int32 scales
/// (ChooseInt32Scales) come after. A node that does not fit is reported and poisons
/// what it computes, so independent errors are all reported in one run.
/// </summary>
public sealed class LowerGraph : ICompilerPass
{
    public string Name => "LowerGraph";

    public void Run(Compilation compilation, DiagnosticBag diagnostics)
    {
        var walk = new Walk(compilation, diagnostics);
        compilation.Draft = walk.Run();
    }

    // ---- abstract values flowing along ONNX edges ----

    private abstract record Value(long[] Shape);

    /// <summary>A Code tensor, in the integer domain (after QuantizeLinear) or real domain (after DequantizeLinear).</summary>
    private sealed record CodeValue(long[] Shape, int Tensor, int Bits, bool Real, bool FromNchw) : Value(Shape);

    /// <summary>The float model input, before its 8-bit quantizer.</summary>
    private sealed record FloatInput(long[] Shape) : Value(Shape);

    /// <summary>A Conv/Gemm output not yet quantized: the accumulator times E/((2^k-1)(2^b_in-1)),
    /// plus Bias, then the BatchNorms and constant Adds of Steps (FoldBatchNorms folds them).</summary>
    private sealed record AffineValue(long[] Shape, PendingLayer Layer, double[]? Bias, IReadOnlyList<AffineStep> Steps, bool Relu, bool Clip01) : Value(Shape);

    /// <summary>An Add of a pending layer and another value, not yet quantized.</summary>
    private sealed record SumValue(long[] Shape, Value Left, Value Right, bool Relu, bool Clip01) : Value(Shape);

    /// <summary>An average pool of codes, waiting for the quantizer that sets its output bits.</summary>
    private sealed record PendingAvgPool(long[] Shape, CodeValue Input, PoolGeometry Pool, bool CountIncludePad, string Name) : Value(Shape);

    /// <summary>A constant (initializer).</summary>
    private sealed record ConstValue(long[] Shape, TensorData Data) : Value(Shape);

    /// <summary>What a node that was reported computes: the nodes that read it are skipped without a diagnostic of their own.</summary>
    private sealed record Poisoned(long[] Shape) : Value(Shape);

    private sealed record PendingLayer(string Name, int InputTensor, int InputBits, byte[] Codes, WeightOrder Order, double MeanAbs, int OutChannels, ConvGeometry? Conv, TensorShape OutShape);

    private sealed class Walk(Compilation compilation, DiagnosticBag diagnostics)
    {
        private readonly ModelGraph graph = compilation.Graph;
        private readonly IReadOnlyDictionary<string, long[]> shapes = compilation.RequireShapes();
        private readonly QuantizerTable _quantizers = compilation.RequireQuantizers();
        private readonly IReadOnlyDictionary<Node, ResolvedWeights> _weights = compilation.RequireWeights();
        private readonly DraftProgram _program = new() { Name = compilation.Graph.Name };
        private readonly Dictionary<string, Value> _values = new(StringComparer.Ordinal);
        private readonly Dictionary<string, int> _uses = new(StringComparer.Ordinal);
        private readonly string _file = compilation.Options.SourceFile;

        public DraftProgram Run()
        {
            foreach (var n in graph.Nodes)
                foreach (var i in n.Inputs.Where(i => i.Length > 0))
                    _uses[i] = _uses.GetValueOrDefault(i) + 1;
            foreach (var o in graph.Outputs) _uses[o.Name] = _uses.GetValueOrDefault(o.Name) + 1;

            foreach (var init in graph.Initializers.Values) _values[init.Name] = new ConstValue(init.Dims, init);
            BindInput(graph.Inputs[0]);

            foreach (var node in graph.Nodes)
            {
                var poisoned = node.Inputs.Any(i => _values.GetValueOrDefault(i) is Poisoned)
                    || !diagnostics.Try(() => _values[node.Outputs[0]] = Lower(node));
                if (poisoned) _values[node.Outputs[0]] = new Poisoned(shapes.GetValueOrDefault(node.Outputs[0]) ?? []);
            }
            if (diagnostics.HasErrors) return _program;

            var outName = graph.Outputs[0].Name;
            var output = _values.GetValueOrDefault(outName)
                ?? throw new DiagnosticException("TE2020", $"graph output '{outName}' is not produced by any node", _file);
            _program.Output = FinishOutput(output, outName);
            if (_program.Output == _program.Input)
                throw new DiagnosticException("TE2021", "the model computes nothing: its output is its input", _file);
            return _program;
        }

        private void BindInput(ValueInfo input)
        {
            var s = shapes[input.Name];
            var shape = ToHwc(s);
            var t = _program.AddTensor(input.Name, shape, ElementKind.Code, 8, 1.0 / 255);
            t.Storage = TensorStorage.Input;
            _program.Input = t.Id;
            _values[input.Name] = input.ElementType switch
            {
                DataType.UInt8 => new CodeValue(s, t.Id, 8, Real: false, FromNchw: s.Length == 4),
                DataType.Float => new FloatInput(s),
                _ => throw new DiagnosticException("TE2022",
                    $"input '{input.Name}' has type {input.ElementType}; expected uint8 codes (or float followed by an 8-bit QuantizeLinear)", _file),
            };
        }

        private Value Lower(Node n) => n.OpType switch
        {
            "QuantizeLinear" => Quantize(n),
            "DequantizeLinear" => Dequantize(n),
            "Relu" => Clamp(n, Arg(n, 0), clip01: false),
            "Clip" => Clip(n),
            "Conv" => Conv(n),
            "Gemm" => Dense(n, transB: n.GetInt("transB", 0) != 0),
            "MatMul" => Dense(n, transB: false),
            "BatchNormalization" => BatchNorm(n),
            "Add" => Add(n),
            "MaxPool" => MaxPool(n),
            "AveragePool" => AvgPool(n, global: false),
            "GlobalAveragePool" => AvgPool(n, global: true),
            "Flatten" or "Reshape" => Flatten(n),
            // CheckSupportedOps refused every other op.
            _ => throw new InvalidOperationException($"op '{n.OpType}' passed CheckSupportedOps but LowerGraph does not lower it"),
        };

        private DiagnosticException Fail(Node n, string code, string message) => new(code, message, _file, n.Label);

        private Value Arg(Node n, int i)
        {
            if (i >= n.Inputs.Count || n.Inputs[i].Length == 0) throw Fail(n, "TE2120", $"input {i} is missing");
            if (!_values.TryGetValue(n.Inputs[i], out var v)) throw Fail(n, "TE2121", $"input '{n.Inputs[i]}' is not defined");
            // A value that is not a tensor yet exists only inside the op that will consume it.
            if (v is AffineValue or SumValue or PendingAvgPool && _uses.GetValueOrDefault(n.Inputs[i]) > 1)
                throw Fail(n, "TE2122", $"'{n.Inputs[i]}' is used by more than one node before it is quantized; quantize it first");
            return v;
        }

        private CodeValue RealCodes(Node n, int i, string what)
        {
            var v = Arg(n, i);
            if (v is CodeValue { Real: true } c) return c;
            throw Fail(n, "TE2030", $"{what} '{n.Inputs[i]}' {WhyNotCodes(v)}");
        }

        private static string WhyNotCodes(Value v) => v switch
            {
                AffineValue or SumValue => "is not quantized: put an activation quantizer (Clip(0,1) -> QuantizeLinear -> DequantizeLinear) before it",
                PendingAvgPool => "is an average pool that is not quantized: add QuantizeLinear/DequantizeLinear (8 bits, scale 1/255) after the pool",
                FloatInput => "is the float input without its 8-bit quantizer (QuantizeLinear/DequantizeLinear with scale 1/255)",
                CodeValue => "is still in the integer domain: expected DequantizeLinear first",
                _ => "must be a quantized activation",
            };

        // ---- quantizers ----

        private Value Quantize(Node n)
        {
            var bits = _quantizers.Bits[n];
            var v = Arg(n, 0);
            var name = n.Outputs[0];
            switch (v)
            {
                case FloatInput f:
                    if (bits != 8) throw Fail(n, "TE2123", $"the model input must be quantized at 8 bits (scale 1/255), got {bits} bits");
                    return new CodeValue(f.Shape, _program.Input, 8, Real: false, FromNchw: f.Shape.Length == 4);
                case CodeValue { Real: true } c when c.Bits == bits:
                    return c with { Real = false };
                case CodeValue { Real: true } c:
                    throw Fail(n, "TE2124", $"re-quantizing {c.Bits}-bit codes to {bits} bits is not supported");
                case AffineValue a:
                    RequireClip(n, a.Clip01, bits);
                    return Materialize(a, name, ElementKind.Code, bits, residual: null);
                case SumValue s:
                    RequireClip(n, s.Clip01, bits);
                    return MaterializeSum(n, s, name, bits);
                case PendingAvgPool p:
                    var outT = _program.AddTensor(name, p.Input.Shape.Length == 4 ? ToHwc(p.Shape) : throw Fail(n, "TE2125", "pool input must be 4-D"),
                        ElementKind.Code, bits, 1.0 / ((1 << bits) - 1));
                    _program.Ops.Add(new DraftAvgPoolOp { Name = p.Name, Input = p.Input.Tensor, Output = outT.Id, Pool = p.Pool, CountIncludePad = p.CountIncludePad });
                    return new CodeValue(p.Shape, outT.Id, bits, Real: false, FromNchw: true);
                default:
                    throw Fail(n, "TE2126", $"cannot quantize '{n.Inputs[0]}' here");
            }
        }

        private void RequireClip(Node n, bool clip01, int bits)
        {
            // Without Clip(0,1), QuantizeLinear saturates at 255, which is 2^b-1 only for b = 8.
            if (!clip01 && bits != 8)
                throw Fail(n, "TE2127", $"a {bits}-bit activation quantizer needs Clip(0,1) before QuantizeLinear");
        }

        private Value Dequantize(Node n)
        {
            var bits = _quantizers.Bits[n];
            return Arg(n, 0) switch
            {
                CodeValue { Real: false } c when c.Bits == bits => c with { Real = true },
                CodeValue { Real: false } c => throw Fail(n, "TE2128", $"DequantizeLinear scale is for {bits} bits but its QuantizeLinear used {c.Bits}"),
                _ => throw Fail(n, "TE2129", "DequantizeLinear must follow a QuantizeLinear (or the uint8 model input)"),
            };
        }

        private Value Clip(Node n) => Clamp(n, Arg(n, 0), clip01: _quantizers.ClipsToOne[n]);

        private Value Clamp(Node n, Value v, bool clip01) => v switch
        {
            AffineValue a => a with { Relu = true, Clip01 = a.Clip01 || clip01 },
            SumValue s => s with { Relu = true, Clip01 = s.Clip01 || clip01 },
            CodeValue { Real: true } c => c,          // codes are in [0, 1] already
            PendingAvgPool p => p,                     // an average of codes is in [0, 1]
            FloatInput f => f,                         // the input is code/255, in [0, 1]
            _ => throw Fail(n, "TE2130", $"{n.OpType} must follow a Conv, Gemm, BatchNormalization or Add"),
        };

        // ---- layers ----

        private Value Conv(Node n)
        {
            var x = RealCodes(n, 0, "Conv input");
            var w = _weights[n];
            var xs = shapes[n.Inputs[0]];
            var ws = graph.Initializers[n.Inputs[1]].Dims;
            var ys = shapes[n.Outputs[0]];
            var g = Geometry.Of(n, xs[2], xs[3], ws[2], ws[3], _file);
            var geometry = new ConvGeometry((int)ws[2], (int)ws[3], g.StrideH, g.StrideW, g.PadTop, g.PadLeft, (int)n.GetInt("group", 1));
            var layer = new PendingLayer(n.Label, x.Tensor, x.Bits, w.Codes, WeightOrder.ConvOrder, w.MeanAbs, (int)ws[0], geometry, ToHwc(ys));
            return NewAffine(ys, layer, w.Bias);
        }

        private Value Dense(Node n, bool transB)
        {
            var x = RealCodes(n, 0, $"{n.OpType} input");
            var w = _weights[n];
            var ys = shapes[n.Outputs[0]];
            var outF = (int)ys[1];
            var order = new WeightOrder(Conv: false, transB, x.FromNchw);
            var layer = new PendingLayer(n.Label, x.Tensor, x.Bits, w.Codes, order, w.MeanAbs, outF, null, new TensorShape(1, 1, outF));
            return NewAffine(ys, layer, w.Bias);
        }

        private static AffineValue NewAffine(long[] shape, PendingLayer layer, double[]? bias) =>
            new(shape, layer, bias, [], Relu: false, Clip01: false);

        private Value BatchNorm(Node n)
        {
            if (Arg(n, 0) is not AffineValue { Relu: false } a)
                throw Fail(n, "TE2131", "BatchNormalization must directly follow a Conv or Gemm");
            return a with { Steps = [.. a.Steps, new BatchNormStep(n, n.GetFloat("epsilon", 1e-5f))] };
        }

        private Value Add(Node n)
        {
            var l = Arg(n, 0);
            var r = Arg(n, 1);
            if (l is ConstValue c1 && r is AffineValue a1) return AddBias(n, a1, c1);
            if (r is ConstValue c2 && l is AffineValue a2) return AddBias(n, a2, c2);
            foreach (var (v, i) in new[] { (l, 0), (r, 1) })
            {
                if (v is AffineValue { Relu: true } or SumValue)
                    throw Fail(n, "TE2132", $"input '{n.Inputs[i]}' has already been clamped or summed; quantize it before adding");
                if (v is not (AffineValue or CodeValue { Real: true }))
                    throw Fail(n, "TE2133", $"input '{n.Inputs[i]}' must be a Conv/Gemm output or a quantized activation");
            }
            return new SumValue(shapes[n.Outputs[0]], l, r, Relu: false, Clip01: false);
        }

        private AffineValue AddBias(Node n, AffineValue a, ConstValue c)
        {
            if (a.Relu) throw Fail(n, "TE2134", "a constant can only be added before the activation");
            var v = c.Data.AsDoubles();
            var channels = a.Layer.OutChannels;
            if (v.Length != 1 && v.Length != channels) throw Fail(n, "TE2135", $"constant has {v.Length} values for {channels} channels");
            return a with { Steps = [.. a.Steps, new ConstantAddStep(v)] };
        }

        private Value MaxPool(Node n)
        {
            var x = RealCodes(n, 0, "MaxPool input");
            var pool = PoolOf(n);
            var ys = shapes[n.Outputs[0]];
            var t = _program.AddTensor(n.Outputs[0], ToHwc(ys), ElementKind.Code, x.Bits, 1.0 / ((1 << x.Bits) - 1));
            _program.Ops.Add(new DraftMaxPoolOp { Name = n.Label, Input = x.Tensor, Output = t.Id, Pool = pool });
            return new CodeValue(ys, t.Id, x.Bits, Real: true, FromNchw: true);
        }

        private Value AvgPool(Node n, bool global)
        {
            var x = RealCodes(n, 0, $"{n.OpType} input");
            var xs = shapes[n.Inputs[0]];
            var pool = global ? new PoolGeometry((int)xs[2], (int)xs[3], 1, 1, 0, 0) : PoolOf(n);
            var include = !global && n.GetInt("count_include_pad", 0) != 0;
            if (pool.KernelH * pool.KernelW > 1 << 16) throw Fail(n, "TE2136", "pooling windows above 65536 elements are not supported");
            return new PendingAvgPool(shapes[n.Outputs[0]], x, pool, include, n.Label);
        }

        private PoolGeometry PoolOf(Node n)
        {
            var xs = shapes[n.Inputs[0]];
            var k = n.GetInts("kernel_shape")!;
            var g = Geometry.Of(n, xs[2], xs[3], k[0], k[1], _file);
            return new PoolGeometry((int)k[0], (int)k[1], g.StrideH, g.StrideW, g.PadTop, g.PadLeft);
        }

        private Value Flatten(Node n) => Arg(n, 0) switch
        {
            CodeValue c => c with { Shape = shapes[n.Outputs[0]] },
            var v => throw Fail(n, "TE2030", $"{n.OpType} input '{n.Inputs[0]}' {WhyNotCodes(v)}"),
        };

        // ---- materialisation ----

        private CodeValue Materialize(AffineValue a, string name, ElementKind kind, int bits, int? residual)
        {
            var L = a.Layer;
            var layerIndex = _program.Layers.Count;
            _program.Layers.Add(new DraftLayer
            {
                Index = layerIndex, Name = L.Name, Codes = L.Codes, SourceOrder = L.Order, OutChannels = L.OutChannels, MeanAbs = L.MeanAbs,
                InputBits = L.InputBits, Bias = a.Bias, Steps = a.Steps,
            });
            // ChooseInt32Scales sets an Int32 tensor's scale once the codes are in Program order.
            var scale = kind == ElementKind.Code ? 1.0 / ((1 << bits) - 1) : double.NaN;
            var t = _program.AddTensor(name, L.OutShape, kind, kind == ElementKind.Code ? bits : 32, scale);
            _program.Ops.Add(new DraftLayerOp
            {
                Name = L.Name, Input = L.InputTensor, Output = t.Id, Layer = layerIndex, Conv = L.Conv,
                Residual = residual, Relu = a.Relu,
            });
            return new CodeValue(a.Shape, t.Id, bits, Real: false, FromNchw: L.Conv is not null);
        }

        private CodeValue MaterializeSum(Node n, SumValue s, string name, int bits)
        {
            switch (s.Left, s.Right)
            {
                case (CodeValue l, CodeValue r):
                    var t = _program.AddTensor(name, _program.Tensors[l.Tensor].Shape, ElementKind.Code, bits, 1.0 / ((1 << bits) - 1));
                    _program.Ops.Add(new DraftAddOp { Name = n.Label, A = l.Tensor, B = r.Tensor, Output = t.Id });
                    return new CodeValue(s.Shape, t.Id, bits, Real: false, FromNchw: l.FromNchw);
                case (AffineValue main, CodeValue other):
                    return Materialize(main with { Relu = s.Relu, Clip01 = s.Clip01 }, name, ElementKind.Code, bits, other.Tensor);
                case (CodeValue other, AffineValue main):
                    return Materialize(main with { Relu = s.Relu, Clip01 = s.Clip01 }, name, ElementKind.Code, bits, other.Tensor);
                case (AffineValue l, AffineValue r):
                    // The branch computed first becomes an Int32 tensor; the other fuses the Add.
                    var (first, second) = (l, r);
                    var side = Materialize(first, name + ".residual", ElementKind.Int32, 32, null);
                    return Materialize(second with { Relu = s.Relu, Clip01 = s.Clip01 }, name, ElementKind.Code, bits, side.Tensor);
                default:
                    throw Fail(n, "TE2137", "unsupported Add operands");
            }
        }

        private int FinishOutput(Value v, string name) => v switch
        {
            CodeValue c => c.Tensor,
            AffineValue { Clip01: false } a => Materialize(a, name, ElementKind.Int32, 32, null).Tensor,
            AffineValue => throw new DiagnosticException("TE2032", $"output '{name}' is clipped to [0,1] but not quantized: add QuantizeLinear/DequantizeLinear", _file),
            _ => throw new DiagnosticException("TE2033", $"output '{name}' must be a Conv/Gemm output or a quantized activation", _file),
        };

        private static TensorShape ToHwc(long[] s) => s.Length == 4
            ? new TensorShape((int)s[2], (int)s[3], (int)s[1])
            : new TensorShape(1, 1, (int)s[^1]);
    }
}
