using TruncEdge.Compiler.Draft;
using TruncEdge.Compiler.Program;
using TruncEdge.Model.Diagnostics;

namespace TruncEdge.Compiler.Passes;

/// <summary>
/// Replaces every float epilogue with integers (docs/integer-semantics.md): per (layer, channel, k)
/// a bias in accumulator units, a multiplier, a shift and, for fused residuals, a residual
/// multiplier; per AvgPool divisor a multiplier and shift; per Add two multipliers and a shift.
/// </summary>
public sealed class LowerRequantization
{
    public IntegerProgram Run(DraftProgram draft, CompilerOptions options)
    {
        var file = options.SourceFile;
        var layers = new List<WeightLayer>();
        var ops = new List<ProgramOp>();
        foreach (var op in draft.Ops)
        {
            var index = ops.Count;
            var output = draft.Tensors[op.Output];
            switch (op)
            {
                case DraftLayerOp l:
                    var layer = draft.Layers[l.Layer];
                    var residual = l.Residual is { } r ? draft.Tensors[r] : null;
                    layers.Add(LowerLayer(layer, output, residual, file));
                    var clamp = Clamp(output, l.Relu);
                    ops.Add(l.Conv is { } c
                        ? new ConvOp
                        {
                            Index = index, Name = l.Name, Output = l.Output, Input = l.Input, Layer = layer.Index,
                            KernelH = c.KernelH, KernelW = c.KernelW, StrideH = c.StrideH, StrideW = c.StrideW,
                            PadTop = c.PadTop, PadLeft = c.PadLeft, Groups = c.Groups, Residual = l.Residual, Clamp = clamp,
                        }
                        : new DenseOp { Index = index, Name = l.Name, Output = l.Output, Input = l.Input, Layer = layer.Index, Residual = l.Residual, Clamp = clamp });
                    break;
                case DraftMaxPoolOp m:
                    ops.Add(new MaxPoolOp
                    {
                        Index = index, Name = m.Name, Output = m.Output, Input = m.Input,
                        KernelH = m.Pool.KernelH, KernelW = m.Pool.KernelW, StrideH = m.Pool.StrideH, StrideW = m.Pool.StrideW,
                        PadTop = m.Pool.PadTop, PadLeft = m.Pool.PadLeft,
                    });
                    break;
                case DraftAvgPoolOp a:
                    ops.Add(LowerAvgPool(a, index, draft.Tensors[a.Input], output, file));
                    break;
                case DraftAddOp add:
                    ops.Add(LowerAdd(add, index, draft.Tensors[add.A], draft.Tensors[add.B], output, file));
                    break;
                default:
                    throw new InvalidOperationException($"unknown draft op {op.GetType().Name}");
            }
        }
        return new IntegerProgram
        {
            Name = draft.Name, Tensors = draft.Tensors, Layers = layers, Ops = ops,
            Input = draft.Input, Output = draft.Output, Provenance = new(draft.Provenance, StringComparer.Ordinal),
        };
    }

    private static ClampRange Clamp(ProgramTensor output, bool relu) => output.Kind == ElementKind.Code
        ? new ClampRange(0, output.MaxCode)
        : new ClampRange(relu ? 0 : int.MinValue, int.MaxValue);

    private static WeightLayer LowerLayer(DraftLayer layer, ProgramTensor output, ProgramTensor? residual, string file)
    {
        // Output units per real unit.
        var q = output.Kind == ElementKind.Code ? output.MaxCode : 1.0 / output.Scale;
        var tables = new RequantTable?[8];
        foreach (var k in layer.Pinned ? [8] : Enumerable.Range(1, 8))
        {
            var channels = layer.OutChannels;
            var bias = new long[channels];
            var mult = new int[channels];
            var shift = new int[channels];
            var pre = new int[channels];
            var rmult = residual is null ? null : new int[channels];
            var rpre = residual is null ? null : new int[channels];
            for (var c = 0; c < channels; c++)
            {
                var a = layer.A[k - 1][c];
                var b = layer.B[k - 1][c];
                if (!double.IsFinite(a) || !double.IsFinite(b))
                    throw new DiagnosticException("TE2060", $"layer '{layer.Name}' has a non-finite scale or offset at k={k}, channel {c}", file, layer.Name);
                // Each product gets its own full-precision multiplier at its natural shift; the final
                // shift is the smallest of those and of the one the offset allows (|q*b| * 2^shift <= 2^61),
                // and the other products are pre-shifted down to it. An offset of more than 2^40 codes
                // saturates the output whatever the accumulator, so it is capped there.
                var offset = Math.Clamp(q * b, -(double)(1L << 40), 1L << 40);
                var main = FixedPoint.Choose(q * a)
                    ?? throw new DiagnosticException("TE2061", $"layer '{layer.Name}' needs a requantization multiplier beyond 2^29 at k={k}, channel {c}", file, layer.Name);
                (int[] Multipliers, int Shift)? res = residual is null ? null : FixedPoint.Choose(q * residual.Scale)
                    ?? throw new DiagnosticException("TE2061", $"layer '{layer.Name}' needs a residual multiplier beyond 2^29 at k={k}, channel {c}", file, layer.Name);
                var final = Math.Min(Math.Min(main.Shift, res?.Shift ?? IntegerMath.MaxShift), MaxShiftFor(offset));
                mult[c] = main.Multipliers[0];
                pre[c] = main.Shift - final;
                shift[c] = final;
                bias[c] = (long)Math.Round(offset * Math.ScaleB(1.0, final), MidpointRounding.AwayFromZero);
                if (res is { } rv)
                {
                    rmult![c] = rv.Multipliers[0];
                    rpre![c] = rv.Shift - final;
                }
            }
            tables[k - 1] = new RequantTable
            {
                Bias = bias, Multiplier = mult, PreShift = pre, Shift = shift, ResidualMultiplier = rmult, ResidualPreShift = rpre,
            };
        }
        return new WeightLayer
        {
            Index = layer.Index, Name = layer.Name, Codes = layer.Codes, OutChannels = layer.OutChannels,
            Pinned = layer.Pinned, Tables = tables, MeanAbs = layer.MeanAbs,
        };
    }

    /// <summary>The largest shift that keeps |offset| * 2^shift within the bias limit.</summary>
    private static int MaxShiftFor(double offset)
    {
        var shift = IntegerMath.MaxShift;
        while (shift > IntegerMath.MinShift && Math.Abs(offset) * Math.ScaleB(1.0, shift) > IntegerMath.BiasLimit) shift--;
        return shift;
    }

    private static AvgPoolOp LowerAvgPool(DraftAvgPoolOp a, int index, ProgramTensor input, ProgramTensor output, string file)
    {
        var window = a.Pool.KernelH * a.Pool.KernelW;
        var mult = new int[window];
        var shift = new int[window];
        for (var n = 1; n <= window; n++)
        {
            // Multipliers rounded up: an average that is exactly halfway between two codes (common:
            // sums of integers) then rounds up like the float model, and no other value moves
            // across a rounding boundary, because sum * excess / 2^shift < 1 / (2 * Q_in * n).
            var chosen = FixedPoint.Choose([(double)output.MaxCode / (input.MaxCode * (double)n)], IntegerMath.MaxShift, roundUp: true)
                ?? throw new DiagnosticException("TE2062", "average pool multiplier out of range", file, a.Name);
            if (Math.ScaleB(1.0, chosen.Shift) <= 2.0 * input.MaxCode * n * input.MaxCode * n)
                throw new DiagnosticException("TE2064", $"average pool window of {n} elements is too large to round exactly; split the pool", file, a.Name);
            mult[n - 1] = chosen.Multipliers[0];
            shift[n - 1] = chosen.Shift;
        }
        return new AvgPoolOp
        {
            Index = index, Name = a.Name, Output = a.Output, Input = a.Input,
            KernelH = a.Pool.KernelH, KernelW = a.Pool.KernelW, StrideH = a.Pool.StrideH, StrideW = a.Pool.StrideW,
            PadTop = a.Pool.PadTop, PadLeft = a.Pool.PadLeft, CountIncludePad = a.CountIncludePad, Multiplier = mult, Shift = shift,
        };
    }

    private static AddOp LowerAdd(DraftAddOp add, int index, ProgramTensor a, ProgramTensor b, ProgramTensor output, string file)
    {
        var q = output.MaxCode;
        // Rounded up for the same reason as AvgPool: sums of two code tensors hit exact halves.
        var chosen = FixedPoint.Choose([q * a.Scale, q * b.Scale], IntegerMath.MaxShift, roundUp: true)
            ?? throw new DiagnosticException("TE2063", "Add multiplier out of range", file, add.Name);
        return new AddOp
        {
            Index = index, Name = add.Name, Output = add.Output, A = add.A, B = add.B,
            MultiplierA = chosen.Multipliers[0], MultiplierB = chosen.Multipliers[1], Shift = chosen.Shift,
            Clamp = new ClampRange(0, q),
        };
    }
}
