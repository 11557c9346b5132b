using System.Buffers.Binary;
using TruncEdge.Compiler.Program;

namespace TruncEdge.Compiler.Reference;

/// <summary>The weight bit width of every layer for one run; pinned layers always run at 8.</summary>
public sealed record BitWidths(int[] PerLayer)
{
    public static BitWidths All(IntegerProgram program, int k)
    {
        if (k is < 1 or > 8) throw new ArgumentOutOfRangeException(nameof(k), k, "weight bits must be 1..8");
        return new(program.Layers.Select(l => l.Pinned ? 8 : k).ToArray());
    }
}

/// <summary>Outputs of one run, and, if asked for, every op's output tensor as the C lays it out.</summary>
public sealed record ExecutionResult(int[] Output, IReadOnlyList<byte[]>? OpOutputs);

/// <summary>
/// The specification of the Program: scalar, integer-only, obvious. Speed belongs to the C
/// kernels; this code is written to be checked against docs/integer-semantics.md by reading.
/// </summary>
public sealed class ReferenceExecutor(IntegerProgram program)
{
    public ExecutionResult Run(ReadOnlySpan<byte> input, BitWidths bits, bool keepIntermediates = false)
    {
        if (input.Length != program.InputTensor.Shape.Size)
            throw new ArgumentException($"input has {input.Length} bytes, the model takes {program.InputTensor.Shape.Size}");
        var values = new int[program.Tensors.Count][];
        values[program.Input] = input.ToArray().Select(b => (int)b).ToArray();
        var visitor = new Visitor(program, values, bits);
        var traces = keepIntermediates ? new List<byte[]>() : null;
        foreach (var op in program.Ops)
        {
            values[op.Output] = op.Accept(visitor);
            traces?.Add(ToBytes(program.Tensors[op.Output], values[op.Output]));
        }
        return new ExecutionResult(values[program.Output], traces);
    }

    /// <summary>A tensor's bytes as the C runtime stores them: one byte per code, int32 little-endian.</summary>
    public static byte[] ToBytes(ProgramTensor t, int[] v)
    {
        if (t.Kind == ElementKind.Code) return v.Select(x => (byte)x).ToArray();
        var bytes = new byte[v.Length * 4];
        for (var i = 0; i < v.Length; i++) BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(i * 4), v[i]);
        return bytes;
    }

    private sealed class Visitor(IntegerProgram p, int[][] values, BitWidths bits) : IOpVisitor<int[]>
    {
        public int[] Visit(ConvOp op)
        {
            var x = values[op.Input];
            var inS = p.Tensors[op.Input].Shape;
            var outS = p.Tensors[op.Output].Shape;
            var layer = p.Layers[op.Layer];
            var k = bits.PerLayer[op.Layer];
            var table = layer.TableFor(k);
            var r = op.Residual is { } ri ? values[ri] : null;
            int cinG = inS.Channels / op.Groups, coutG = outS.Channels / op.Groups;
            var y = new int[outS.Size];
            for (var oh = 0; oh < outS.Height; oh++)
            for (var ow = 0; ow < outS.Width; ow++)
            for (var oc = 0; oc < outS.Channels; oc++)
            {
                var g = oc / coutG;
                var acc = 0;
                for (var kh = 0; kh < op.KernelH; kh++)
                for (var kw = 0; kw < op.KernelW; kw++)
                {
                    int ih = oh * op.StrideH + kh - op.PadTop, iw = ow * op.StrideW + kw - op.PadLeft;
                    if (ih < 0 || ih >= inS.Height || iw < 0 || iw >= inS.Width) continue; // padding reads 0
                    for (var ci = 0; ci < cinG; ci++)
                    {
                        var s = IntegerMath.SignedLevel(layer.Codes[((oc * op.KernelH + kh) * op.KernelW + kw) * cinG + ci], k);
                        acc = checked(acc + s * x[(ih * inS.Width + iw) * inS.Channels + g * cinG + ci]);
                    }
                }
                var o = (oh * outS.Width + ow) * outS.Channels + oc;
                y[o] = Epilogue(acc, table, oc, r is null ? 0 : r[o], op.Clamp);
            }
            return y;
        }

        public int[] Visit(DenseOp op)
        {
            var x = values[op.Input];
            var layer = p.Layers[op.Layer];
            var k = bits.PerLayer[op.Layer];
            var table = layer.TableFor(k);
            var r = op.Residual is { } ri ? values[ri] : null;
            var n = x.Length;
            var y = new int[layer.OutChannels];
            for (var o = 0; o < y.Length; o++)
            {
                var acc = 0;
                for (var i = 0; i < n; i++) acc = checked(acc + IntegerMath.SignedLevel(layer.Codes[o * n + i], k) * x[i]);
                y[o] = Epilogue(acc, table, o, r is null ? 0 : r[o], op.Clamp);
            }
            return y;
        }

        private static int Epilogue(int acc, RequantTable t, int c, int residual, ClampRange clamp) =>
            IntegerMath.Requantize(acc, t.Bias[c], t.Multiplier[c], t.PreShift[c], t.Shift[c],
                residual, t.ResidualMultiplier?[c] ?? 0, t.ResidualPreShift?[c] ?? 0, clamp);

        public int[] Visit(MaxPoolOp op) => Pool(op.Input, op.Output, op.KernelH, op.KernelW, op.StrideH, op.StrideW, op.PadTop, op.PadLeft,
            (window, _) => window.Count == 0 ? 0 : window.Max());

        public int[] Visit(AvgPoolOp op)
        {
            var max = p.Tensors[op.Output].MaxCode;
            return Pool(op.Input, op.Output, op.KernelH, op.KernelW, op.StrideH, op.StrideW, op.PadTop, op.PadLeft, (window, _) =>
            {
                var n = op.CountIncludePad ? op.KernelH * op.KernelW : window.Count;
                long sum = window.Sum();
                return IntegerMath.Clamp(IntegerMath.RoundShiftEven(sum * op.Multiplier[n - 1], op.Shift[n - 1], sum), 0, max);
            });
        }

        /// <summary>Runs f over the in-bounds elements of every window (padding is left out; for max, code 0 padding is equivalent).</summary>
        private int[] Pool(int input, int output, int kh, int kw, int sh, int sw, int pt, int pl, Func<List<int>, int, int> f)
        {
            var x = values[input];
            var inS = p.Tensors[input].Shape;
            var outS = p.Tensors[output].Shape;
            var y = new int[outS.Size];
            var window = new List<int>(kh * kw);
            for (var oh = 0; oh < outS.Height; oh++)
            for (var ow = 0; ow < outS.Width; ow++)
            for (var c = 0; c < outS.Channels; c++)
            {
                window.Clear();
                for (var i = 0; i < kh; i++)
                for (var j = 0; j < kw; j++)
                {
                    int ih = oh * sh + i - pt, iw = ow * sw + j - pl;
                    if (ih >= 0 && ih < inS.Height && iw >= 0 && iw < inS.Width)
                        window.Add(x[(ih * inS.Width + iw) * inS.Channels + c]);
                }
                y[(oh * outS.Width + ow) * outS.Channels + c] = f(window, c);
            }
            return y;
        }

        public int[] Visit(AddOp op)
        {
            var a = values[op.A];
            var b = values[op.B];
            var y = new int[a.Length];
            for (var i = 0; i < y.Length; i++)
                y[i] = IntegerMath.Clamp(IntegerMath.RoundShift((long)a[i] * op.MultiplierA + (long)b[i] * op.MultiplierB, op.Shift), op.Clamp.Lo, op.Clamp.Hi);
            return y;
        }
    }
}
