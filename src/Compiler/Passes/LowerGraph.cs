using TruncEdge.Compiler.Draft;
using TruncEdge.Compiler.Program;
using TruncEdge.Model.Diagnostics;
using TruncEdge.Model.Graph;

namespace TruncEdge.Compiler.Passes;

/// <summary>
/// Walks the ONNX graph in order and recognises the TruncQuant profile: activation quantizers
/// (Clip/Relu + QuantizeLinear + DequantizeLinear) become Code tensors, Conv/Gemm become weight
/// layers with their 8-bit codes, BatchNorm and biases fold into per-k affine maps, Adds fuse
/// into the Conv that feeds them, and NCHW becomes HWC. The result has final ops and tensors;
/// only the requantization constants are still float.
/// </summary>
public sealed class LowerGraph
{
    public DraftProgram Run(ModelGraph graph, IReadOnlyDictionary<string, long[]> shapes, WeightCodeSource codes, CompilerOptions options)
    {
        var walk = new Walk(graph, shapes, codes, options);
        return walk.Run();
    }

    // ---- abstract values flowing along ONNX edges ----

    private abstract record Value(long[] Shape);

    /// <summary>A Code tensor, in the integer domain (after QuantizeLinear) or real domain (after DequantizeLinear).</summary>
    private sealed record CodeValue(long[] Shape, int Tensor, int Bits, bool Real, bool FromNchw) : Value(Shape);

    /// <summary>The float model input, before its 8-bit quantizer.</summary>
    private sealed record FloatInput(long[] Shape) : Value(Shape);

    /// <summary>A Conv/Gemm output not yet quantized: real[c] = A[k][c] * acc + B[k][c].</summary>
    private sealed record AffineValue(long[] Shape, PendingLayer Layer, double[][] A, double[][] B, bool Relu, bool Clip01) : Value(Shape);

    /// <summary>An Add of a pending layer and another value, not yet quantized.</summary>
    private sealed record SumValue(long[] Shape, Value Left, Value Right, bool Relu, bool Clip01) : Value(Shape);

    /// <summary>An average pool of codes, waiting for the quantizer that sets its output bits.</summary>
    private sealed record PendingAvgPool(long[] Shape, CodeValue Input, PoolGeometry Pool, bool CountIncludePad, string Name) : Value(Shape);

    /// <summary>A constant (initializer).</summary>
    private sealed record ConstValue(long[] Shape, TensorData Data) : Value(Shape);

    private sealed record PendingLayer(string Name, int InputTensor, int InputBits, byte[] Codes, double MeanAbs, int OutChannels, ConvGeometry? Conv, TensorShape OutShape);

    private sealed class Walk(ModelGraph graph, IReadOnlyDictionary<string, long[]> shapes, WeightCodeSource codes, CompilerOptions options)
    {
        private readonly DraftProgram _program = new() { Name = graph.Name };
        private readonly Dictionary<string, Value> _values = new(StringComparer.Ordinal);
        private readonly Dictionary<string, int> _uses = new(StringComparer.Ordinal);
        private readonly string _file = options.SourceFile;

        public DraftProgram Run()
        {
            foreach (var n in graph.Nodes)
                foreach (var i in n.Inputs.Where(i => i.Length > 0))
                    _uses[i] = _uses.GetValueOrDefault(i) + 1;
            foreach (var o in graph.Outputs) _uses[o.Name] = _uses.GetValueOrDefault(o.Name) + 1;

            foreach (var init in graph.Initializers.Values) _values[init.Name] = new ConstValue(init.Dims, init);
            BindInput(graph.Inputs[0]);

            foreach (var node in graph.Nodes)
                _values[node.Outputs[0]] = Lower(node);

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
            "Gemm" => Dense(n, transB: n.GetInt("transB", 0) != 0, biasInput: 2),
            "MatMul" => Dense(n, transB: false, biasInput: -1),
            "BatchNormalization" => BatchNorm(n),
            "Add" => Add(n),
            "MaxPool" => MaxPool(n),
            "AveragePool" => AvgPool(n, global: false),
            "GlobalAveragePool" => AvgPool(n, global: true),
            "Flatten" or "Reshape" => Flatten(n),
            _ => throw Fail(n, $"op '{n.OpType}' is not supported"),
        };

        private DiagnosticException Fail(Node n, string message) => new("TE2030", message, _file, n.Label);

        private Value Arg(Node n, int i)
        {
            if (i >= n.Inputs.Count || n.Inputs[i].Length == 0) throw Fail(n, $"input {i} is missing");
            if (!_values.TryGetValue(n.Inputs[i], out var v)) throw Fail(n, $"input '{n.Inputs[i]}' is not defined");
            // A value that is not a tensor yet exists only inside the op that will consume it.
            if (v is AffineValue or SumValue or PendingAvgPool && _uses.GetValueOrDefault(n.Inputs[i]) > 1)
                throw Fail(n, $"'{n.Inputs[i]}' is used by more than one node before it is quantized; quantize it first");
            return v;
        }

        private CodeValue RealCodes(Node n, int i, string what)
        {
            var v = Arg(n, i);
            if (v is CodeValue { Real: true } c) return c;
            throw Fail(n, $"{what} '{n.Inputs[i]}' {WhyNotCodes(v)}");
        }

        private static string WhyNotCodes(Value v) => v switch
            {
                AffineValue or SumValue => "is not quantized: put an activation quantizer (Clip(0,1) -> QuantizeLinear -> DequantizeLinear) before it",
                PendingAvgPool => "is an average pool that is not quantized: add QuantizeLinear/DequantizeLinear (8 bits, scale 1/255) after the pool",
                FloatInput => "is the float input without its 8-bit quantizer (QuantizeLinear/DequantizeLinear with scale 1/255)",
                CodeValue => "is still in the integer domain: expected DequantizeLinear first",
                _ => "must be a quantized activation",
            };

        private TensorData Constant(Node n, int i, string what)
        {
            if (i >= n.Inputs.Count || n.Inputs[i].Length == 0) throw Fail(n, $"{what} is missing");
            return graph.FindInitializer(n.Inputs[i]) ?? throw Fail(n, $"{what} '{n.Inputs[i]}' must be an initializer");
        }

        private double Scalar(Node n, int i, string what)
        {
            var t = Constant(n, i, what);
            var v = t.AsDoubles();
            if (v.Length != 1) throw Fail(n, $"{what} must be a scalar (per-tensor quantization), got {v.Length} values");
            return v[0];
        }

        // ---- quantizers ----

        /// <summary>b with 1/(2^b-1) equal to the scale within float32 precision.</summary>
        private int BitsOfScale(Node n, double scale)
        {
            for (var b = 1; b <= 8; b++)
            {
                var expected = 1.0 / ((1 << b) - 1);
                if (Math.Abs(scale - expected) <= 1e-6 * expected) return b;
            }
            throw Fail(n, $"scale {scale.ToString("R", System.Globalization.CultureInfo.InvariantCulture)} is not 1/(2^b-1) for any b in 1..8");
        }

        private void CheckZeroPoint(Node n)
        {
            if (n.Inputs.Count < 3 || n.Inputs[2].Length == 0)
                throw Fail(n, "zero point must be given as a uint8 0 (activations are unsigned codes)");
            var zp = Constant(n, 2, "zero point");
            if (zp.Type != DataType.UInt8 || zp.AsDoubles().Any(v => v != 0))
                throw Fail(n, $"zero point must be uint8 0, got {zp.Type} {string.Join(",", zp.AsDoubles())}");
        }

        private Value Quantize(Node n)
        {
            var bits = BitsOfScale(n, Scalar(n, 1, "scale"));
            CheckZeroPoint(n);
            var v = Arg(n, 0);
            var name = n.Outputs[0];
            switch (v)
            {
                case FloatInput f:
                    if (bits != 8) throw Fail(n, $"the model input must be quantized at 8 bits (scale 1/255), got {bits} bits");
                    return new CodeValue(f.Shape, _program.Input, 8, Real: false, FromNchw: f.Shape.Length == 4);
                case CodeValue { Real: true } c when c.Bits == bits:
                    return c with { Real = false };
                case CodeValue { Real: true } c:
                    throw Fail(n, $"re-quantizing {c.Bits}-bit codes to {bits} bits is not supported");
                case AffineValue a:
                    RequireClip(n, a.Clip01, bits);
                    return Materialize(a, name, ElementKind.Code, bits, residual: null);
                case SumValue s:
                    RequireClip(n, s.Clip01, bits);
                    return MaterializeSum(n, s, name, bits);
                case PendingAvgPool p:
                    var outT = _program.AddTensor(name, p.Input.Shape.Length == 4 ? ToHwc(p.Shape) : throw Fail(n, "pool input must be 4-D"),
                        ElementKind.Code, bits, 1.0 / ((1 << bits) - 1));
                    _program.Ops.Add(new DraftAvgPoolOp { Name = p.Name, Input = p.Input.Tensor, Output = outT.Id, Pool = p.Pool, CountIncludePad = p.CountIncludePad });
                    return new CodeValue(p.Shape, outT.Id, bits, Real: false, FromNchw: true);
                default:
                    throw Fail(n, $"cannot quantize '{n.Inputs[0]}' here");
            }
        }

        private void RequireClip(Node n, bool clip01, int bits)
        {
            // Without Clip(0,1), QuantizeLinear saturates at 255, which is 2^b-1 only for b = 8.
            if (!clip01 && bits != 8)
                throw Fail(n, $"a {bits}-bit activation quantizer needs Clip(0,1) before QuantizeLinear");
        }

        private Value Dequantize(Node n)
        {
            var bits = BitsOfScale(n, Scalar(n, 1, "scale"));
            CheckZeroPoint(n);
            return Arg(n, 0) switch
            {
                CodeValue { Real: false } c when c.Bits == bits => c with { Real = true },
                CodeValue { Real: false } c => throw Fail(n, $"DequantizeLinear scale is for {bits} bits but its QuantizeLinear used {c.Bits}"),
                _ => throw Fail(n, "DequantizeLinear must follow a QuantizeLinear (or the uint8 model input)"),
            };
        }

        private Value Clip(Node n)
        {
            double lo = double.NegativeInfinity, hi = double.PositiveInfinity;
            if (n.Inputs.Count > 1 && n.Inputs[1].Length > 0) lo = Scalar(n, 1, "min");
            if (n.Inputs.Count > 2 && n.Inputs[2].Length > 0) hi = Scalar(n, 2, "max");
            if (n.Attributes.ContainsKey("min")) lo = n.GetFloat("min", float.NegativeInfinity);
            if (n.Attributes.ContainsKey("max")) hi = n.GetFloat("max", float.PositiveInfinity);
            if (lo != 0 || (hi != 1 && !double.IsPositiveInfinity(hi)))
                throw Fail(n, $"only Clip(0, 1) (the activation quantizer) and Clip(0, inf) are supported, got Clip({lo}, {hi})");
            return Clamp(n, Arg(n, 0), clip01: hi == 1);
        }

        private Value Clamp(Node n, Value v, bool clip01) => v switch
        {
            AffineValue a => a with { Relu = true, Clip01 = a.Clip01 || clip01 },
            SumValue s => s with { Relu = true, Clip01 = s.Clip01 || clip01 },
            CodeValue { Real: true } c => c,          // codes are in [0, 1] already
            PendingAvgPool p => p,                     // an average of codes is in [0, 1]
            FloatInput f => f,                         // the input is code/255, in [0, 1]
            _ => throw Fail(n, $"{n.OpType} must follow a Conv, Gemm, BatchNormalization or Add"),
        };

        // ---- layers ----

        private Value Conv(Node n)
        {
            var x = RealCodes(n, 0, "Conv input");
            var w = Constant(n, 1, "weight");
            var xs = shapes[n.Inputs[0]];
            var ws = w.Dims;
            var ys = shapes[n.Outputs[0]];
            var g = Geometry.Of(n, xs[2], xs[3], ws[2], ws[3], _file);
            var groups = (int)n.GetInt("group", 1);
            int cout = (int)ws[0], cinG = (int)ws[1], kh = (int)ws[2], kw = (int)ws[3];

            var set = codes.For(w, n);
            // ONNX [M][C/g][kh][kw] -> Program [M][kh][kw][C/g]
            var reordered = new byte[set.Codes.Length];
            for (var m = 0; m < cout; m++)
                for (var c = 0; c < cinG; c++)
                    for (var i = 0; i < kh; i++)
                        for (var j = 0; j < kw; j++)
                            reordered[((m * kh + i) * kw + j) * cinG + c] = set.Codes[((m * cinG + c) * kh + i) * kw + j];

            var geometry = new ConvGeometry(kh, kw, g.StrideH, g.StrideW, g.PadTop, g.PadLeft, groups);
            var layer = new PendingLayer(n.Label, x.Tensor, x.Bits, reordered, set.MeanAbs, cout, geometry, ToHwc(ys));
            var bias = n.Inputs.Count > 2 && n.Inputs[2].Length > 0 ? Constant(n, 2, "bias").AsDoubles() : null;
            return NewAffine(ys, layer, bias);
        }

        private Value Dense(Node n, bool transB, int biasInput)
        {
            var x = RealCodes(n, 0, $"{n.OpType} input");
            var w = Constant(n, 1, "weight");
            var ys = shapes[n.Outputs[0]];
            int outF = (int)ys[1];
            int inF = (int)shapes[n.Inputs[0]][1];
            if (n.OpType == "Gemm" && (n.GetFloat("alpha", 1) != 1 || n.GetFloat("beta", 1) != 1))
                throw Fail(n, "Gemm with alpha or beta other than 1 is not supported");

            var set = codes.For(w, n);
            // The input tensor is HWC; if it came from an NCHW Flatten, ONNX feature f = c*H*W + h*W + w.
            var xt = _program.Tensors[x.Tensor].Shape;
            int[] onnxIndexOf = new int[inF];
            for (var h = 0; h < xt.Height; h++)
                for (var ww = 0; ww < xt.Width; ww++)
                    for (var c = 0; c < xt.Channels; c++)
                        onnxIndexOf[(h * xt.Width + ww) * xt.Channels + c] =
                            x.FromNchw ? (c * xt.Height + h) * xt.Width + ww : (h * xt.Width + ww) * xt.Channels + c;
            var reordered = new byte[outF * inF];
            for (var o = 0; o < outF; o++)
                for (var f = 0; f < inF; f++)
                {
                    var src = onnxIndexOf[f];
                    reordered[o * inF + f] = set.Codes[transB ? o * inF + src : src * outF + o];
                }

            var layer = new PendingLayer(n.Label, x.Tensor, x.Bits, reordered, set.MeanAbs, outF, null, new TensorShape(1, 1, outF));
            double[]? bias = null;
            if (biasInput >= 0 && n.Inputs.Count > biasInput && n.Inputs[biasInput].Length > 0)
            {
                bias = Constant(n, biasInput, "bias").AsDoubles();
                if (bias.Length == 1) bias = Enumerable.Repeat(bias[0], outF).ToArray();
                if (bias.Length != outF) throw Fail(n, $"bias has {bias.Length} values for {outF} outputs");
            }
            return NewAffine(ys, layer, bias);
        }

        private AffineValue NewAffine(long[] shape, PendingLayer layer, double[]? bias)
        {
            var a = new double[8][];
            var b = new double[8][];
            var qIn = (1 << layer.InputBits) - 1;
            for (var k = 1; k <= 8; k++)
            {
                var scale = layer.MeanAbs / (((1 << k) - 1) * (double)qIn);
                a[k - 1] = Enumerable.Repeat(scale, layer.OutChannels).ToArray();
                b[k - 1] = bias is null ? new double[layer.OutChannels] : (double[])bias.Clone();
            }
            return new AffineValue(shape, layer, a, b, Relu: false, Clip01: false);
        }

        private Value BatchNorm(Node n)
        {
            if (Arg(n, 0) is not AffineValue { Relu: false } a)
                throw Fail(n, "BatchNormalization must directly follow a Conv or Gemm");
            var eps = n.GetFloat("epsilon", 1e-5f);
            var (newA, newB) = BatchNormFolding.Fold(graph, n, a.A, a.B, eps, _file);
            return a with { A = newA, B = newB };
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
                    throw Fail(n, $"input '{n.Inputs[i]}' has already been clamped or summed; quantize it before adding");
                if (v is not (AffineValue or CodeValue { Real: true }))
                    throw Fail(n, $"input '{n.Inputs[i]}' must be a Conv/Gemm output or a quantized activation");
            }
            return new SumValue(shapes[n.Outputs[0]], l, r, Relu: false, Clip01: false);
        }

        private AffineValue AddBias(Node n, AffineValue a, ConstValue c)
        {
            if (a.Relu) throw Fail(n, "a constant can only be added before the activation");
            var v = c.Data.AsDoubles();
            var channels = a.Layer.OutChannels;
            if (v.Length != 1 && v.Length != channels) throw Fail(n, $"constant has {v.Length} values for {channels} channels");
            var b = a.B.Select(row => row.Select((x, i) => x + v[v.Length == 1 ? 0 : i]).ToArray()).ToArray();
            return a with { B = b };
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
            if (pool.KernelH * pool.KernelW > 1 << 16) throw Fail(n, "pooling windows above 65536 elements are not supported");
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
            var v => throw Fail(n, $"{n.OpType} input '{n.Inputs[0]}' {WhyNotCodes(v)}"),
        };

        // ---- materialisation ----

        private CodeValue Materialize(AffineValue a, string name, ElementKind kind, int bits, int? residual)
        {
            var L = a.Layer;
            var layerIndex = _program.Layers.Count;
            _program.Layers.Add(new DraftLayer
            {
                Index = layerIndex, Name = L.Name, Codes = L.Codes, OutChannels = L.OutChannels, MeanAbs = L.MeanAbs,
                InputBits = L.InputBits, A = a.A, B = a.B,
            });
            var scale = kind == ElementKind.Code ? 1.0 / ((1 << bits) - 1) : Int32Scale(_program.Layers[^1]);
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
                    throw Fail(n, "unsupported Add operands");
            }
        }

        private int FinishOutput(Value v, string name) => v switch
        {
            CodeValue c => c.Tensor,
            AffineValue { Clip01: false } a => Materialize(a, name, ElementKind.Int32, 32, null).Tensor,
            AffineValue => throw new DiagnosticException("TE2032", $"output '{name}' is clipped to [0,1] but not quantized: add QuantizeLinear/DequantizeLinear", _file),
            _ => throw new DiagnosticException("TE2033", $"output '{name}' must be a Conv/Gemm output or a quantized activation", _file),
        };

        /// <summary>A fixed scale for an Int32 tensor, independent of k, that no value can overflow
        /// (docs/integer-semantics.md): the largest |real| over every k and channel maps to 2^30.</summary>
        private static double Int32Scale(DraftLayer layer)
        {
            var max = 0.0;
            var qIn = (1 << layer.InputBits) - 1;
            for (var k = 1; k <= 8; k++)
            {
                var bounds = AccumulatorBounds.PerChannel(layer.Codes, layer.OutChannels, k, qIn);
                for (var c = 0; c < layer.OutChannels; c++)
                    max = Math.Max(max, Math.Abs(layer.A[k - 1][c]) * bounds[c] + Math.Abs(layer.B[k - 1][c]));
            }
            return max > 0 ? max / (1 << 30) : 1.0;
        }

        private static TensorShape ToHwc(long[] s) => s.Length == 4
            ? new TensorShape((int)s[2], (int)s[3], (int)s[1])
            : new TensorShape(1, 1, (int)s[^1]);
    }
}
