using TruncEdge.Compiler.Program;
using TruncEdge.Model.Diagnostics;

namespace TruncEdge.Emitter;

/// <summary>
/// The facts about a Program that the emitted C relies on (array sizes, pointer kinds, arena
/// bounds). The compiler's verifier is the place that proves a Program right; this is the
/// emitter's last line of defence, so a compiler bug becomes an exception here instead of C
/// that reads out of bounds. Everything but a model without weight layers is a bug, reported as
/// <see cref="InvalidOperationException"/>.
/// </summary>
internal static class ProgramChecks
{
    public static void Check(IntegerProgram p)
    {
        Require(p.Ops.Count > 0, "the Program has no ops");
        for (var i = 0; i < p.Tensors.Count; i++)
        {
            Require(p.Tensors[i].Id == i, $"tensor at position {i} has id {p.Tensors[i].Id}");
        }

        for (var i = 0; i < p.Layers.Count; i++)
        {
            Require(p.Layers[i].Index == i, $"layer at position {i} has index {p.Layers[i].Index}");
        }

        RequireTensor(p, p.Input, "program input");
        RequireTensor(p, p.Output, "program output");
        var input = p.InputTensor;
        Require(input.Kind == ElementKind.Code && input.Bits == 8, $"the input tensor must hold 8-bit codes, not {Describe(input)}");
        for (var i = 0; i < p.Tensors.Count; i++)
        {
            var t = p.Tensors[i];
            Require((t.Storage == TensorStorage.Input) == (i == p.Input),
                $"tensor {i} '{t.Name}': only the program input may have Storage = Input");
        }

        Require(p.OutputTensor.Storage == TensorStorage.Arena, "the output tensor must live in the arena");
        Require(p.ArenaSize > 0, "the arena is not planned (ArenaSize = 0)");

        if (p.Layers.Count == 0)
        {
            throw new DiagnosticException(new Diagnostic(EmitterDiagnosticCodes.NoWeightLayers,
                "the model has no Conv or Gemm layer: there is nothing to emit", Node: p.Name, Pass: "emit"));
        }

        var usedBy = new List<ProgramOp>?[p.Layers.Count];
        for (var i = 0; i < p.Ops.Count; i++)
        {
            var op = p.Ops[i];
            Require(op.Index == i, $"op at position {i} has index {op.Index}");
            foreach (var t in op.Inputs.Append(op.Output))
            {
                RequireTensor(p, t, $"op {i} '{op.Name}'");
                CheckPlacement(p, p.Tensors[t]);
            }

            Require(p.Tensors[op.Output].Storage == TensorStorage.Arena, $"op {i} '{op.Name}' writes the input buffer");
            var check = new OpCheck(p);
            op.Accept(check);
            if (check.Layer is { } layer)
            {
                Require(layer >= 0 && layer < p.Layers.Count, $"op {i} '{op.Name}' uses layer {layer}, which does not exist");
                (usedBy[layer] ??= []).Add(op);
            }
        }

        var deployed = p.DeployedBits;
        Require(deployed.Count > 0 && deployed.All(k => k is >= 1 and <= 8) && deployed.SequenceEqual(deployed.Distinct().Order()),
            $"deployed bits [{string.Join(",", deployed)}] are not an ascending set within 1..8");
        foreach (var l in p.Layers)
        {
            Require(l.StoreBits is >= 1 and <= 8 && (!l.Pinned || l.StoreBits == 8) && (l.Pinned || deployed.Max() <= l.StoreBits),
                $"layer {l.Index} '{l.Name}' stores {l.StoreBits}-bit codes: expected 1..8, 8 when pinned, and no deployed k above it");
        }
        foreach (var op in p.Ops.Where(op => PackedCodes.WorkBytes(p, op) > 0))
        {
            Require(p.PackedWork.Count(u => u.Op == op.Index && u.Bytes == PackedCodes.WorkBytes(p, op) && u.ArenaOffset >= 0
                    && u.ArenaOffset % 4 == 0 && (long)u.ArenaOffset + u.Bytes <= p.ArenaSize) == 1,
                $"op {op.Index} '{op.Name}' uses a packed layer but has no work buffer of {PackedCodes.WorkBytes(p, op)} B inside the arena");
        }
        foreach (var op in p.Ops.Where(op => StoredRequant.WorkBytes(p, op) > 0))
        {
            Require(p.RequantWork.Count(u => u.Op == op.Index && u.Bytes == StoredRequant.WorkBytes(p, op) && u.ArenaOffset >= 0
                    && u.ArenaOffset % 8 == 0 && (long)u.ArenaOffset + u.Bytes <= p.ArenaSize) == 1,
                $"op {op.Index} '{op.Name}' has no 8-aligned requantization work buffer of {StoredRequant.WorkBytes(p, op)} B inside the arena");
        }
        foreach (var layer in p.Layers)
        {
            CheckLayer(p, layer, usedBy[layer.Index]);
        }
    }

    private static void CheckPlacement(IntegerProgram p, ProgramTensor t)
    {
        if (t.Storage == TensorStorage.Input)
        {
            return;
        }

        Require(t.ArenaOffset >= 0 && (long)t.ArenaOffset + t.ByteSize <= p.ArenaSize,
            $"tensor {t.Id} '{t.Name}' ({t.ByteSize} B at {t.ArenaOffset}) is outside the arena of {p.ArenaSize} B");
        Require(t.ArenaOffset % t.ElementBytes == 0, $"int32 tensor {t.Id} '{t.Name}' sits at unaligned offset {t.ArenaOffset}");
    }

    private static void CheckLayer(IntegerProgram p, WeightLayer layer, List<ProgramOp>? ops)
    {
        var where = $"layer {layer.Index} '{layer.Name}'";
        Require(ops is not null, $"{where} is used by no op");
        Require(layer.OutChannels > 0 && layer.Codes.Length > 0 && layer.Codes.Length % layer.OutChannels == 0,
            $"{where}: {layer.Codes.Length} codes do not split into {layer.OutChannels} output channels");
        Require(layer.Tables.Length == 8, $"{where} has {layer.Tables.Length} table slots, expected 8 (k = 1..8)");
        var hasResidual = ops!.Any(o => o is ConvOp { Residual: not null } or DenseOp { Residual: not null });
        Require(ops!.All(o => (o is ConvOp { Residual: not null } or DenseOp { Residual: not null }) == hasResidual),
            $"{where} is shared by ops with and without a residual");
        Require(layer.SupportedBits.All(RowBits(p, layer).Contains),
            $"{where} has tables for k = {string.Join(",", layer.SupportedBits)}, more than the k it runs at ({string.Join(",", RowBits(p, layer))})");
        foreach (var k in RowBits(p, layer))
        {
            var table = layer.Tables[k - 1];
            Require(table is not null, layer.Pinned
                ? $"{where} is pinned but has no table for k = 8"
                : $"{where} has no table for k = {k}; a layer that is not pinned needs one for every deployed k");
            var c = layer.OutChannels;
            Require(table!.Bias.Length == c && table.Multiplier.Length == c && table.Shift.Length == c,
                $"{where}, k = {k}: table lengths differ from {c} output channels");
            Require(table.Shift.All(s => s is >= IntegerMath.MinShift and <= IntegerMath.MaxShift),
                $"{where}, k = {k}: a shift is outside {IntegerMath.MinShift}..{IntegerMath.MaxShift}");
            Require(table.Multiplier.All(MultiplierOk) && (table.ResidualMultiplier ?? []).All(MultiplierOk),
                $"{where}, k = {k}: a multiplier is not below 2^30 in magnitude");
            Require(table.Bias.All(b => b >= -IntegerMath.BiasLimit && b <= IntegerMath.BiasLimit),
                $"{where}, k = {k}: a bias is beyond +-2^61");
            Require((table.ResidualMultiplier is not null) == hasResidual,
                hasResidual ? $"{where}, k = {k}: the op has a residual but the table no ResidualMultiplier"
                            : $"{where}, k = {k}: ResidualMultiplier given but the op has no residual");
            Require(table.ResidualMultiplier is null || table.ResidualMultiplier.Length == c,
                $"{where}, k = {k}: ResidualMultiplier length differs from {c}");
            Require(table.PreShift.Length == c && (table.ResidualPreShift is null ? !hasResidual : table.ResidualPreShift.Length == c),
                $"{where}, k = {k}: PreShift or ResidualPreShift do not match {c} output channels and the residual");
            Require(table.PreShift.All(s => s is >= 0 and <= IntegerMath.MaxShift) && (table.ResidualPreShift ?? []).All(s => s is >= 0 and <= IntegerMath.MaxShift),
                $"{where}, k = {k}: a pre-shift outside 0..62");
        }
        var stored = layer.Storage(out var why);
        Require(stored is not null, $"{where}: the tables cannot be stored ({why})");
        Require(stored!.Mismatch(layer.Tables, layer.OutChannels) is null, $"{where}: {stored.Mismatch(layer.Tables, layer.OutChannels)}");
        Require(stored.Rows.Count == 1 || RowBits(p, layer).Select((k, i) => stored.Steps[k - 1]!.Row == i).All(b => b),
            $"{where}: stored rows are not one per k in ascending order");
    }

    /// <summary>The weight bit widths that get a table row, ascending (row i holds the i-th): the
    /// deployed k (1..8 by default), or only 8 for a pinned layer.</summary>
    public static IReadOnlyList<int> RowBits(IntegerProgram p, WeightLayer layer) => layer.Pinned ? [8] : p.DeployedBits;

    public static string Describe(ProgramTensor t) =>
        t.Kind == ElementKind.Code ? $"{t.Shape} {t.Bits}-bit codes" : $"{t.Shape} int32";

    private static bool MultiplierOk(int m) => m > -IntegerMath.MultiplierLimit && m < IntegerMath.MultiplierLimit;

    private static void RequireTensor(IntegerProgram p, int id, string what) =>
        Require(id >= 0 && id < p.Tensors.Count, $"{what} refers to tensor {id}, which does not exist");

    internal static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new InvalidOperationException("emitter: invalid Program: " + message);
        }
    }

    /// <summary>Per-op shape facts; also finds the layer an op uses.</summary>
    private sealed class OpCheck(IntegerProgram p) : IOpVisitor
    {
        public int? Layer { get; private set; }

        public void Visit(ConvOp op)
        {
            var (i, o) = (p.Tensors[op.Input], p.Tensors[op.Output]);
            var where = $"op {op.Index} '{op.Name}' (conv)";
            Require(i.Kind == ElementKind.Code, $"{where}: input must be codes");
            CheckWindow(where, i, o, op.KernelH, op.KernelW, op.StrideH, op.StrideW, op.PadTop, op.PadLeft);
            Require(op.Groups > 0 && i.Shape.Channels % op.Groups == 0 && o.Shape.Channels % op.Groups == 0,
                $"{where}: {op.Groups} groups do not divide {i.Shape.Channels} -> {o.Shape.Channels} channels");
            if (op.Layer >= 0 && op.Layer < p.Layers.Count)
            {
                var l = p.Layers[op.Layer];
                Require(l.OutChannels == o.Shape.Channels, $"{where}: layer has {l.OutChannels} output channels, tensor {o.Shape.Channels}");
                Require(l.Codes.Length == (long)l.OutChannels * op.KernelH * op.KernelW * (i.Shape.Channels / op.Groups),
                    $"{where}: {l.Codes.Length} codes, expected [{l.OutChannels}][{op.KernelH}][{op.KernelW}][{i.Shape.Channels / op.Groups}]");
            }

            CheckResidual(where, op.Residual, o);
            Layer = op.Layer;
        }

        public void Visit(DenseOp op)
        {
            var (i, o) = (p.Tensors[op.Input], p.Tensors[op.Output]);
            var where = $"op {op.Index} '{op.Name}' (dense)";
            Require(i.Kind == ElementKind.Code, $"{where}: input must be codes");
            if (op.Layer >= 0 && op.Layer < p.Layers.Count)
            {
                var l = p.Layers[op.Layer];
                Require(l.OutChannels == o.Shape.Size, $"{where}: layer has {l.OutChannels} outputs, tensor {o.Shape.Size}");
                Require(l.Codes.Length == (long)l.OutChannels * i.Shape.Size,
                    $"{where}: {l.Codes.Length} codes, expected [{l.OutChannels}][{i.Shape.Size}]");
            }

            CheckResidual(where, op.Residual, o);
            Layer = op.Layer;
        }

        public void Visit(MaxPoolOp op)
        {
            var (i, o) = (p.Tensors[op.Input], p.Tensors[op.Output]);
            var where = $"op {op.Index} '{op.Name}' (maxpool)";
            Require(i.Kind == ElementKind.Code && o.Kind == ElementKind.Code, $"{where}: input and output must be codes");
            Require(i.Shape.Channels == o.Shape.Channels, $"{where}: channels differ");
            CheckWindow(where, i, o, op.KernelH, op.KernelW, op.StrideH, op.StrideW, op.PadTop, op.PadLeft);
        }

        public void Visit(AvgPoolOp op)
        {
            var (i, o) = (p.Tensors[op.Input], p.Tensors[op.Output]);
            var where = $"op {op.Index} '{op.Name}' (avgpool)";
            Require(i.Kind == ElementKind.Code && o.Kind == ElementKind.Code, $"{where}: input and output must be codes");
            Require(i.Shape.Channels == o.Shape.Channels, $"{where}: channels differ");
            CheckWindow(where, i, o, op.KernelH, op.KernelW, op.StrideH, op.StrideW, op.PadTop, op.PadLeft);
            var n = op.KernelH * op.KernelW;
            Require(op.Multiplier.Length == n && op.Shift.Length == n, $"{where}: multiplier and shift need {n} entries");
            Require(op.Shift.All(s => s is >= IntegerMath.MinShift and <= IntegerMath.MaxShift), $"{where}: a shift is out of range");
            Require(op.Multiplier.All(MultiplierOk), $"{where}: a multiplier is not below 2^30 in magnitude");
        }

        public void Visit(AddOp op)
        {
            var (a, b, o) = (p.Tensors[op.A], p.Tensors[op.B], p.Tensors[op.Output]);
            var where = $"op {op.Index} '{op.Name}' (add)";
            Require(o.Kind == ElementKind.Code, $"{where}: the output must be codes (te_add writes uint8_t)");
            Require(a.Shape.Size == o.Shape.Size && b.Shape.Size == o.Shape.Size, $"{where}: operand sizes differ from the output");
            Require(op.Shift is >= IntegerMath.MinShift and <= IntegerMath.MaxShift, $"{where}: shift {op.Shift} out of range");
            Require(MultiplierOk(op.MultiplierA) && MultiplierOk(op.MultiplierB), $"{where}: a multiplier is not below 2^30 in magnitude");
        }

        /// <summary>The windows truncedge.h accepts, per axis: kernel and stride at least 1,
        /// 0 &lt;= pad &lt; kernel, and every window overlaps the input.</summary>
        private static void CheckWindow(string where, ProgramTensor i, ProgramTensor o, int kh, int kw, int sh, int sw, int pt, int pl)
        {
            static bool Axis(int input, int output, int k, int s, int pad) =>
                k >= 1 && s >= 1 && pad >= 0 && pad < k && output >= 1 && (long)(output - 1) * s - pad < input;

            Require(Axis(i.Shape.Height, o.Shape.Height, kh, sh, pt) && Axis(i.Shape.Width, o.Shape.Width, kw, sw, pl),
                $"{where}: window {kh}x{kw}, stride {sh}x{sw}, pads {pt},{pl} does not map {i.Shape} to {o.Shape} (see te_conv_params in truncedge.h)");
        }

        private void CheckResidual(string where, int? residual, ProgramTensor output)
        {
            if (residual is { } r)
            {
                Require(p.Tensors[r].Shape == output.Shape, $"{where}: residual shape {p.Tensors[r].Shape} differs from the output {output.Shape}");
            }
        }
    }
}
