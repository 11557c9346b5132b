using TruncEdge.Compiler.Program;

namespace TruncEdge.Compiler.Passes;

/// <summary>
/// The one place that states a Program's invariants: what the reference executor, the planner
/// and the emitted C rely on (ids, tensor kinds and shapes, window geometry, table sizes and
/// ranges, arena placement and lifetimes). The compiler runs it last and the emitter before it
/// prints C, so a compiler bug becomes an exception here instead of C that reads out of bounds.
/// A failure is a bug, not a user error: <see cref="InvalidOperationException"/> naming the op
/// or layer at fault. (The C runtime keeps only cheap checks of its own arguments.)
/// </summary>
public sealed class VerifyProgram : ICompilerPass
{
    public string Name => "VerifyProgram";

    public void Run(Compilation compilation, DiagnosticBag diagnostics) => Run(compilation.RequireProgram());

    /// <param name="planned">False to check a Program before PlanArena: everything but the arena.</param>
    public void Run(IntegerProgram p, bool planned = true)
    {
        CheckStructure(p, planned);
        var usedBy = new List<ProgramOp>?[p.Layers.Count];
        var written = new bool[p.Tensors.Count];
        written[p.Input] = true;
        var invariants = new OpInvariants(p);
        foreach (var op in p.Ops)
        {
            var at = At(op);
            foreach (var t in op.Inputs.Append(op.Output))
            {
                Check(t >= 0 && t < p.Tensors.Count, $"{at} refers to tensor {t}, which does not exist");
                if (planned) CheckPlacement(p, p.Tensors[t]);
            }
            foreach (var i in op.Inputs) Check(written[i], $"{at} reads tensor {i} before it is written");
            Check(!written[op.Output], $"{at} writes tensor {op.Output} twice");
            written[op.Output] = true;
            Check(p.Tensors[op.Output].Storage == TensorStorage.Arena, $"{at} writes outside the arena (outputs live in the arena)");
            if (op.Accept(invariants) is { } layer)
            {
                Check(layer >= 0 && layer < p.Layers.Count, $"{at} uses layer {layer}, which does not exist");
                (usedBy[layer] ??= []).Add(op);
            }
        }
        Check(written[p.Output], "the output is never written");
        foreach (var layer in p.Layers) CheckLayer(p, layer, usedBy[layer.Index]);
        if (planned) CheckArena(p);
    }

    /// <summary>Ids and indices in order, the input and output, deployed and stored bits.</summary>
    private static void CheckStructure(IntegerProgram p, bool planned)
    {
        Check(p.Ops.Count > 0, "the Program has no ops");
        for (var i = 0; i < p.Tensors.Count; i++) Check(p.Tensors[i].Id == i, $"tensor at position {i} has id {p.Tensors[i].Id}");
        for (var i = 0; i < p.Layers.Count; i++) Check(p.Layers[i].Index == i, $"layer at position {i} has index {p.Layers[i].Index}");
        for (var i = 0; i < p.Ops.Count; i++) Check(p.Ops[i].Index == i, $"op at position {i} has index {p.Ops[i].Index}");
        Check(p.Input >= 0 && p.Input < p.Tensors.Count && p.Output >= 0 && p.Output < p.Tensors.Count, "the input or output tensor does not exist");
        Check(p.InputTensor.Kind == ElementKind.Code && p.InputTensor.Bits == 8, $"the input tensor must hold 8-bit codes, not {Describe(p.InputTensor)}");
        for (var i = 0; i < p.Tensors.Count; i++)
            Check((p.Tensors[i].Storage == TensorStorage.Input) == (i == p.Input), $"tensor {i} '{p.Tensors[i].Name}': only the program input may have Storage = Input");
        Check(p.OutputTensor.Storage == TensorStorage.Arena, "the output tensor must live in the arena");
        Check(!planned || p.ArenaSize > 0, "the arena is not planned (ArenaSize = 0)");
        var deployed = p.DeployedBits;
        Check(deployed.Count > 0 && deployed.All(k => k is >= 1 and <= 8) && deployed.SequenceEqual(deployed.Distinct().Order()),
            $"deployed bits [{string.Join(",", deployed)}] are not an ascending set within 1..8");
        foreach (var l in p.Layers)
        {
            Check(l.StoreBits is >= 1 and <= 8 && (!l.Pinned || l.StoreBits == 8) && (l.Pinned || deployed.Max() <= l.StoreBits),
                $"layer {l.Index} '{l.Name}' stores {l.StoreBits}-bit codes: expected 1..8, 8 when pinned, and no deployed k above it");
        }
    }

    private static void CheckPlacement(IntegerProgram p, ProgramTensor t)
    {
        if (t.Storage == TensorStorage.Input) return;
        Check(t.ArenaOffset >= 0 && (long)t.ArenaOffset + t.ByteSize <= p.ArenaSize,
            $"tensor {t.Id} '{t.Name}' ({t.ByteSize} B at {t.ArenaOffset}) is outside the arena of {p.ArenaSize} B");
        Check(t.ArenaOffset % PlanArena.Alignment == 0 && t.ArenaOffset % t.ElementBytes == 0,
            $"tensor {t.Id} '{t.Name}' sits at unaligned offset {t.ArenaOffset}");
    }

    private static void CheckLayer(IntegerProgram p, WeightLayer layer, List<ProgramOp>? ops)
    {
        var where = $"layer {layer.Index} '{layer.Name}'";
        Check(ops is not null, $"{where} is used by no op");
        var c = layer.OutChannels;
        Check(c > 0 && layer.Codes.Length > 0 && layer.Codes.Length % c == 0, $"{where}: {layer.Codes.Length} codes do not split into {c} output channels");
        Check(layer.Tables.Length == 8, $"{where} has {layer.Tables.Length} table slots, expected 8 (k = 1..8)");
        var hasResidual = ops!.Any(HasResidual);
        Check(ops!.All(o => HasResidual(o) == hasResidual), $"{where} is shared by ops with and without a residual");
        var rows = p.RowBits(layer);
        Check(layer.SupportedBits.All(rows.Contains),
            $"{where} has tables for k = {string.Join(",", layer.SupportedBits)}, more than the k it runs at ({string.Join(",", rows)})");
        foreach (var k in rows)
        {
            var t = layer.Tables[k - 1];
            Check(t is not null, layer.Pinned
                ? $"{where} is pinned but has no table for k = 8"
                : $"{where} has no table for k = {k}; a layer that is not pinned needs one for every deployed k");
            var at = $"{where}, k = {k}";
            Check(t!.Bias.Length == c && t.Multiplier.Length == c && t.Shift.Length == c && t.PreShift.Length == c,
                $"{at}: table lengths differ from {c} output channels");
            Check((t.ResidualMultiplier is not null) == hasResidual && (t.ResidualPreShift is not null) == hasResidual,
                hasResidual ? $"{at}: the op has a residual but the table no residual multiplier" : $"{at}: a residual multiplier but the op has no residual");
            Check((t.ResidualMultiplier?.Length ?? c) == c && (t.ResidualPreShift?.Length ?? c) == c, $"{at}: residual arrays differ from {c} output channels");
            Check(t.Shift.All(s => s is >= IntegerMath.MinShift and <= IntegerMath.MaxShift), $"{at}: a shift is outside {IntegerMath.MinShift}..{IntegerMath.MaxShift}");
            Check(t.PreShift.Concat(t.ResidualPreShift ?? []).All(s => s is >= 0 and <= IntegerMath.MaxShift), $"{at}: a pre-shift outside 0..62");
            Check(t.Multiplier.Concat(t.ResidualMultiplier ?? []).All(MultiplierOk), $"{at}: a multiplier is not below 2^30 in magnitude");
            Check(t.Bias.All(b => Math.Abs(b) <= IntegerMath.BiasLimit), $"{at}: a bias is beyond +-2^61");
        }
        var stored = layer.Storage(out var why);
        Check(stored is not null, $"{where}: the tables cannot be stored ({why})");
        Check(stored!.Mismatch(layer.Tables, c) is null, $"{where}: stored tables: {stored.Mismatch(layer.Tables, c)}");
        Check(stored.Rows.Count == 1 || rows.Select((k, i) => stored.Steps[k - 1]!.Row == i).All(b => b), $"{where}: stored rows are not one per k in ascending order");
    }

    /// <summary>Lifetimes and placement: no two live tensors overlap, and each op's kernel scratch,
    /// packed-code work and requantization work blocks are where the kernels need them.</summary>
    private static void CheckArena(IntegerProgram p)
    {
        var (first, last) = PlanArena.Lifetimes(p);
        var arena = p.Tensors.Where(t => t.Storage == TensorStorage.Arena && first[t.Id] >= 0).ToList();
        foreach (var a in arena)
        {
            foreach (var b in arena.Where(b => b.Id > a.Id && first[a.Id] <= last[b.Id] && first[b.Id] <= last[a.Id]))
                Check(a.ArenaOffset + a.ByteSize <= b.ArenaOffset || b.ArenaOffset + b.ByteSize <= a.ArenaOffset, $"tensors {a.Id} and {b.Id} overlap while both alive");
        }
        CheckWork(p, p.PackedWork, op => PackedCodes.WorkBytes(p, op), "packed-code work buffer", PlanArena.Alignment, arena, first, last);
        CheckWork(p, p.RequantWork, op => StoredRequant.WorkBytes(p, op), "requantization work buffer", 8, arena, first, last);
        foreach (var u in p.PackedWork)
        {
            foreach (var r in p.RequantWork.Where(r => r.Op == u.Op))
                Check(r.ArenaOffset + r.Bytes <= u.ArenaOffset || u.ArenaOffset + u.Bytes <= r.ArenaOffset, $"{At(p.Ops[u.Op])}: the packed-code work overlaps the requantization work");
        }
        foreach (var s in p.Scratch)
        {
            var op = p.Ops[s.Op];
            Check(s.Bytes <= KernelScratch.Bytes(p, op) && s.Bytes >= Math.Min(KernelScratch.MinBytes(p, op), KernelScratch.Bytes(p, op)), $"{At(op)}: scratch size");
            Check(s.ArenaOffset >= 0 && s.ArenaOffset % PlanArena.Alignment == 0 && (long)s.ArenaOffset + s.Bytes <= p.ArenaSize, $"{At(op)}: scratch placement");
            foreach (var t in arena.Where(t => first[t.Id] <= s.Op && s.Op <= last[t.Id]))
                Check(t.ArenaOffset + t.ByteSize <= s.ArenaOffset || s.ArenaOffset + s.Bytes <= t.ArenaOffset, $"{At(op)}: scratch overlaps tensor {t.Id}");
        }
    }

    /// <summary>One block for each op that needs <paramref name="bytes"/> &gt; 0, of that size,
    /// aligned, inside the arena, overlapping no tensor alive at the op and not its kernel scratch.</summary>
    private static void CheckWork(IntegerProgram p, List<ScratchBlock> blocks, Func<ProgramOp, int> bytes, string what, int alignment,
        List<ProgramTensor> arena, int[] first, int[] last)
    {
        foreach (var op in p.Ops.Where(op => bytes(op) > 0))
            Check(blocks.Count(u => u.Op == op.Index) == 1, $"{At(op)} needs a {what} of {bytes(op)} B: it has no work buffer, or more than one");
        foreach (var u in blocks)
        {
            var op = p.Ops[u.Op];
            Check(u.Bytes == bytes(op), $"{At(op)}: {what} of {u.Bytes} B, expected {bytes(op)}");
            Check(u.ArenaOffset >= 0 && u.ArenaOffset % alignment == 0 && (long)u.ArenaOffset + u.Bytes <= p.ArenaSize, $"{At(op)}: {what} placement");
            foreach (var t in arena.Where(t => first[t.Id] <= u.Op && u.Op <= last[t.Id]))
                Check(t.ArenaOffset + t.ByteSize <= u.ArenaOffset || u.ArenaOffset + u.Bytes <= t.ArenaOffset, $"{At(op)}: {what} overlaps tensor {t.Id}");
            foreach (var s in p.Scratch.Where(s => s.Op == u.Op))
                Check(s.ArenaOffset + s.Bytes <= u.ArenaOffset || u.ArenaOffset + u.Bytes <= s.ArenaOffset, $"{At(op)}: {what} overlaps the kernel scratch");
        }
    }

    private static bool HasResidual(ProgramOp op) => op is WeightOp { Residual: not null };

    private static bool MultiplierOk(int m) => m > -IntegerMath.MultiplierLimit && m < IntegerMath.MultiplierLimit;

    private static string At(ProgramOp op) => $"op {op.Index} '{op.Name}'";

    private static string Describe(ProgramTensor t) => t.Kind == ElementKind.Code ? $"{t.Shape} {t.Bits}-bit codes" : $"{t.Shape} int32";

    private static void Check(bool ok, string what)
    {
        if (!ok) throw new InvalidOperationException("Program invariant broken: " + what);
    }

    /// <summary>Each op's own facts (kinds, shapes, window geometry, its tables); returns the
    /// weight layer the op uses, or null.</summary>
    private sealed class OpInvariants(IntegerProgram p) : IOpVisitor<int?>
    {
        public int? Visit(ConvOp op)
        {
            var (i, o) = (p.Tensors[op.Input], p.Tensors[op.Output]);
            var where = $"{At(op)} (conv)";
            Check(i.Kind == ElementKind.Code, $"{where}: input must be codes");
            CheckWindow(where, i, o, op.KernelH, op.KernelW, op.StrideH, op.StrideW, op.PadTop, op.PadLeft);
            Check(op.Groups > 0 && i.Shape.Channels % op.Groups == 0 && o.Shape.Channels % op.Groups == 0,
                $"{where}: {op.Groups} groups do not divide {i.Shape.Channels} -> {o.Shape.Channels} channels");
            if (op.Layer >= 0 && op.Layer < p.Layers.Count)
            {
                var l = p.Layers[op.Layer];
                Check(l.OutChannels == o.Shape.Channels, $"{where}: layer has {l.OutChannels} output channels, tensor {o.Shape.Channels}");
                Check(l.Codes.Length == (long)l.OutChannels * op.KernelH * op.KernelW * (i.Shape.Channels / op.Groups),
                    $"{where}: {l.Codes.Length} codes, expected [{l.OutChannels}][{op.KernelH}][{op.KernelW}][{i.Shape.Channels / op.Groups}]");
            }
            CheckResidual(where, op.Residual, o);
            return op.Layer;
        }

        public int? Visit(DenseOp op)
        {
            var (i, o) = (p.Tensors[op.Input], p.Tensors[op.Output]);
            var where = $"{At(op)} (dense)";
            Check(i.Kind == ElementKind.Code, $"{where}: input must be codes");
            if (op.Layer >= 0 && op.Layer < p.Layers.Count)
            {
                var l = p.Layers[op.Layer];
                Check(l.OutChannels == o.Shape.Size, $"{where}: layer has {l.OutChannels} outputs, tensor {o.Shape.Size}");
                Check(l.Codes.Length == (long)l.OutChannels * i.Shape.Size, $"{where}: {l.Codes.Length} codes, expected [{l.OutChannels}][{i.Shape.Size}]");
            }
            CheckResidual(where, op.Residual, o);
            return op.Layer;
        }

        public int? Visit(MaxPoolOp op)
        {
            var (i, o) = (p.Tensors[op.Input], p.Tensors[op.Output]);
            var where = $"{At(op)} (maxpool)";
            Check(i.Kind == ElementKind.Code && o.Kind == ElementKind.Code && i.Bits == o.Bits, $"{where}: codes in, codes of the same bits out");
            Check(i.Shape.Channels == o.Shape.Channels, $"{where}: channels differ");
            CheckWindow(where, i, o, op.KernelH, op.KernelW, op.StrideH, op.StrideW, op.PadTop, op.PadLeft);
            return null;
        }

        public int? Visit(AvgPoolOp op)
        {
            var (i, o) = (p.Tensors[op.Input], p.Tensors[op.Output]);
            var where = $"{At(op)} (avgpool)";
            Check(i.Kind == ElementKind.Code && o.Kind == ElementKind.Code, $"{where}: input and output must be codes");
            Check(i.Shape.Channels == o.Shape.Channels, $"{where}: channels differ");
            CheckWindow(where, i, o, op.KernelH, op.KernelW, op.StrideH, op.StrideW, op.PadTop, op.PadLeft);
            var n = op.KernelH * op.KernelW;
            Check(op.Multiplier.Length == n && op.Shift.Length == n, $"{where}: multiplier and shift need {n} entries");
            Check(op.Shift.All(s => s is >= IntegerMath.MinShift and <= IntegerMath.MaxShift), $"{where}: a shift is out of range");
            Check(op.Multiplier.All(MultiplierOk), $"{where}: a multiplier is not below 2^30 in magnitude");
            return null;
        }

        public int? Visit(AddOp op)
        {
            var (a, b, o) = (p.Tensors[op.A], p.Tensors[op.B], p.Tensors[op.Output]);
            var where = $"{At(op)} (add)";
            Check(o.Kind == ElementKind.Code, $"{where}: the output must be codes (te_add writes uint8_t)");
            Check(a.Shape.Size == o.Shape.Size && b.Shape.Size == o.Shape.Size, $"{where}: operand sizes differ from the output");
            Check(op.Shift is >= IntegerMath.MinShift and <= IntegerMath.MaxShift, $"{where}: shift {op.Shift} out of range");
            Check(MultiplierOk(op.MultiplierA) && MultiplierOk(op.MultiplierB), $"{where}: a multiplier is not below 2^30 in magnitude");
            return null;
        }

        /// <summary>The windows truncedge.h accepts, per axis: kernel and stride at least 1,
        /// 0 &lt;= pad &lt; kernel, and every window overlaps the input.</summary>
        private static void CheckWindow(string where, ProgramTensor i, ProgramTensor o, int kh, int kw, int sh, int sw, int pt, int pl)
        {
            static bool Axis(int input, int output, int k, int s, int pad) =>
                k >= 1 && s >= 1 && pad >= 0 && pad < k && output >= 1 && (long)(output - 1) * s - pad < input;

            Check(Axis(i.Shape.Height, o.Shape.Height, kh, sh, pt) && Axis(i.Shape.Width, o.Shape.Width, kw, sw, pl),
                $"{where}: window {kh}x{kw}, stride {sh}x{sw}, pads {pt},{pl} does not map {i.Shape} to {o.Shape} (see te_conv_params in truncedge.h)");
        }

        private void CheckResidual(string where, int? residual, ProgramTensor output)
        {
            if (residual is { } r) Check(p.Tensors[r].Shape == output.Shape, $"{where}: residual shape {p.Tensors[r].Shape} differs from the output {output.Shape}");
        }
    }
}
