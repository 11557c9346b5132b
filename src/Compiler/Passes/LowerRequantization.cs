using TruncEdge.Compiler.Draft;
using TruncEdge.Compiler.Program;
using TruncEdge.Model.Diagnostics;

namespace TruncEdge.Compiler.Passes;

/// <summary>
/// Replaces every float epilogue with integers (docs/integer-semantics.md): per (layer, channel, k)
/// a bias in output units, a multiplier, a shift and, for fused residuals, a residual
/// multiplier, stored as the emitted model keeps them (<see cref="StoredRequant"/>: once for every
/// k when the k differ by one factor); per AvgPool divisor a multiplier and shift; per Add two
/// multipliers and a shift.
/// </summary>
public sealed class LowerRequantization : ICompilerPass
{
    public string Name => "LowerRequantization";

    public void Run(Compilation compilation, DiagnosticBag diagnostics) => compilation.Program = Run(compilation.RequireDraft(), compilation.Options);

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
        var bits = layer.Pinned ? new List<int> { 8 } : Enumerable.Range(1, 8).ToList();
        foreach (var k in bits)
        {
            for (var c = 0; c < layer.OutChannels; c++)
            {
                if (!double.IsFinite(layer.A[k - 1][c]) || !double.IsFinite(layer.B[k - 1][c]))
                    throw new DiagnosticException("TE2060", $"layer '{layer.Name}' has a non-finite scale or offset at k={k}, channel {c}", file, layer.Name);
            }
        }

        var stored = Shared(layer, bits, q, residual, file) ?? PerBits(layer, bits, q, residual, file);
        return new WeightLayer
        {
            Index = layer.Index, Name = layer.Name, Codes = layer.Codes, OutChannels = layer.OutChannels,
            Pinned = layer.Pinned, Tables = Enumerable.Range(1, 8).Select(stored.Expand).ToArray(), Stored = stored,
            MeanAbs = layer.MeanAbs,
        };
    }

    /// <summary>One row per k, each chosen for its own k.</summary>
    private static StoredRequant PerBits(DraftLayer layer, List<int> bits, double q, ProgramTensor? residual, string file)
    {
        var rows = new List<RequantRow>();
        var steps = new RequantStep?[8];
        foreach (var k in bits)
        {
            var r = Row(layer, k, q, residual, file);
            steps[k - 1] = new RequantStep(rows.Count, IntegerMath.FactorOne, r.BiasShift, r.LayerShift, 0);
            rows.Add(r.Row);
        }
        return new StoredRequant { Rows = rows, Steps = steps };
    }

    /// <summary>
    /// One row for every k when the layer's float epilogues differ between k by one real factor
    /// r_k (A[k][c] = r_k * A[ref][c], B[k][c] = B[ref][c]: a BatchNorm shared by all k, so only the
    /// weight scale E / (2^k - 1) changes); null otherwise. The row is chosen at ref, the k with the
    /// largest factors (so r_k &lt;= 1); each k gets the factor round(r_k * 2^(30 + e)) in
    /// [2^29, 2^30] and adds e to the shifts (the pre-shifts with a residual, whose scale is the
    /// output's), which keeps its multipliers at full precision.
    /// </summary>
    private static StoredRequant? Shared(DraftLayer layer, List<int> bits, double q, ProgramTensor? residual, string file)
    {
        var channels = layer.OutChannels;
        var reference = bits.MaxBy(k => layer.A[k - 1].Max(Math.Abs));
        var a0 = layer.A[reference - 1];
        var top = Enumerable.Range(0, channels).MaxBy(c => Math.Abs(a0[c]));
        if (a0[top] == 0) return null;
        var ratios = new Dictionary<int, double>();
        foreach (var k in bits)
        {
            var ratio = layer.A[k - 1][top] / a0[top];
            if (!(ratio > 0 && ratio <= 1)) return null;
            for (var c = 0; c < channels; c++)
            {
                var (a, b, b0) = (layer.A[k - 1][c], layer.B[k - 1][c], layer.B[reference - 1][c]);
                if (Math.Abs(a - ratio * a0[c]) > 1e-12 * Math.Abs(a0[top]) || Math.Abs(b - b0) > 1e-12 * Math.Max(1.0, Math.Abs(b0)))
                    return null;
            }
            ratios[k] = ratio;
        }

        var r = Row(layer, reference, q, residual, file);
        var shifts = r.Row.Shift ?? Enumerable.Repeat(r.LayerShift, channels).ToArray();
        var pres = r.Row.PreShift ?? new int[channels];
        // Room to scale each k's multipliers back up: shifts stay within 62, biases within 2^61.
        var room = residual is null
            ? Math.Min(IntegerMath.MaxShift - shifts.Max(), Enumerable.Range(0, channels).Min(c => BiasRoom(r.Row.Bias[c], r.BiasShift)))
            : IntegerMath.MaxShift - pres.Max();
        var steps = new RequantStep?[8];
        foreach (var k in bits)
        {
            var e = 0;
            while (e < room && ratios[k] * Math.ScaleB(1.0, e + 1) <= 1.0) e++;
            var factor = (int)Math.Min(IntegerMath.FactorOne, Math.Round(ratios[k] * Math.ScaleB(1.0, 30 + e), MidpointRounding.AwayFromZero));
            if (factor < 1 << 20) return null; // would lose more than 10 bits of every multiplier
            steps[k - 1] = residual is null
                ? new RequantStep(0, factor, r.BiasShift + e, r.LayerShift + e, 0)
                : new RequantStep(0, factor, r.BiasShift, r.LayerShift, e);
        }
        return new StoredRequant { Rows = [r.Row], Steps = steps };
    }

    /// <summary>How far a stored bias can shift further left and stay within 2^61.</summary>
    private static int BiasRoom(int bias, int shift)
    {
        var room = 0;
        while (shift + room < IntegerMath.MaxShift && Math.Abs((double)bias) * Math.ScaleB(1.0, shift + room + 1) <= IntegerMath.BiasLimit) room++;
        return room;
    }

    /// <summary>A row chosen at k: per channel a multiplier, pre-shift and shift (or one shift for
    /// the layer, <c>LayerShift</c>), the biases as int32 times 2^BiasShift.</summary>
    private static (RequantRow Row, int BiasShift, int LayerShift) Row(DraftLayer layer, int k, double q, ProgramTensor? residual, string file)
    {
        var channels = layer.OutChannels;
        // Each product gets its own full-precision multiplier at its natural shift; the final shift
        // is the smallest of those and of the one the offset allows (|q*b| * 2^shift <= 2^61), and the
        // other products are pre-shifted down to it. An offset of more than 2^40 codes saturates the
        // output whatever the accumulator, so it is capped there.
        var offsets = new double[channels];
        var mains = new (int[] Multipliers, int Shift)[channels];
        for (var c = 0; c < channels; c++)
        {
            offsets[c] = Math.Clamp(q * layer.B[k - 1][c], -(double)(1L << 40), 1L << 40);
            mains[c] = FixedPoint.Choose(q * layer.A[k - 1][c])
                ?? throw new DiagnosticException("TE2061", $"layer '{layer.Name}' needs a requantization multiplier beyond 2^29 at k={k}, channel {c}", file, layer.Name);
        }
        (int[] Multipliers, int Shift)? res = residual is null ? null : FixedPoint.Choose(q * residual.Scale)
            ?? throw new DiagnosticException("TE2061", $"layer '{layer.Name}' needs a residual multiplier beyond 2^29 at k={k}", file, layer.Name);
        var natural = Enumerable.Range(0, channels)
            .Select(c => Math.Min(Math.Min(mains[c].Shift, res?.Shift ?? IntegerMath.MaxShift), MaxShiftFor(offsets[c]))).ToArray();

        // One shift for the whole layer when it costs no channel more than 4 bits of its
        // multiplier (at least 25 remain): no shift array in flash. Not with a residual, whose
        // pre-shifts follow each channel's shift.
        var layerShift = residual is null && natural.Max() - natural.Min() <= 4 ? natural.Min() : 0;
        var final = layerShift > 0 ? Enumerable.Repeat(layerShift, channels).ToArray() : natural;
        var mult = new int[channels];
        var pre = new int[channels];
        for (var c = 0; c < channels; c++)
        {
            if (layerShift > 0)
                mult[c] = FixedPoint.RoundSaturate(q * layer.A[k - 1][c] * Math.ScaleB(1.0, layerShift), IntegerMath.MultiplierLimit - 1);
            else
            {
                mult[c] = mains[c].Multipliers[0];
                pre[c] = mains[c].Shift - final[c];
            }
        }

        // Biases: int32 times 2^L, L the smallest that fits every channel.
        var biasShift = 0;
        while (Enumerable.Range(0, channels).Any(c => Math.Abs(Math.Round(offsets[c] * Math.ScaleB(1.0, final[c] - biasShift), MidpointRounding.AwayFromZero)) > int.MaxValue))
            biasShift++;
        var bias = Enumerable.Range(0, channels)
            .Select(c => (int)Math.Round(offsets[c] * Math.ScaleB(1.0, final[c] - biasShift), MidpointRounding.AwayFromZero)).ToArray();
        var row = new RequantRow(bias, mult, pre.All(p => p == 0) ? null : pre, layerShift > 0 ? null : final,
            res is { } rv ? Enumerable.Repeat(rv.Multipliers[0], channels).ToArray() : null,
            res is { } rs ? final.Select(f => rs.Shift - f).ToArray() : null);
        return (row, biasShift, layerShift);
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
            // Multipliers rounded up: the excess, below sum units of 2^-shift, is the slack of
            // te_round_shift_even, so an average exactly halfway between two codes (common: sums
            // of integers) is recognised and goes to even as ONNX rounds, and no other value moves
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
        // Two code tensors: Q (a / Qa + b / Qb) has the odd denominator Qa Qb, so it is never a
        // half, and a non-half lies at least 1 / (2 Qa Qb) from one. Multipliers rounded up by
        // less than 1 each add at most a + b <= Qa + Qb units of 2^-shift, which the shift must
        // keep below that distance for the rounding to be that of the real sum.
        var chosen = FixedPoint.Choose([q * a.Scale, q * b.Scale], IntegerMath.MaxShift, roundUp: true)
            ?? throw new DiagnosticException("TE2063", "Add multiplier out of range", file, add.Name);
        if (a.Kind == ElementKind.Code && b.Kind == ElementKind.Code &&
            Math.ScaleB(1.0, chosen.Shift) <= 2.0 * a.MaxCode * b.MaxCode * (a.MaxCode + b.MaxCode))
            throw new DiagnosticException("TE2065", $"Add of {a.Bits}- and {b.Bits}-bit codes to {output.Bits} bits cannot round exactly (shift {chosen.Shift})", file, add.Name);
        return new AddOp
        {
            Index = index, Name = add.Name, Output = add.Output, A = add.A, B = add.B,
            MultiplierA = chosen.Multipliers[0], MultiplierB = chosen.Multipliers[1], Shift = chosen.Shift,
            Clamp = new ClampRange(0, q),
        };
    }
}
