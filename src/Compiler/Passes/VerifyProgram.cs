using TruncEdge.Compiler.Program;

namespace TruncEdge.Compiler.Passes;

/// <summary>
/// Checks the invariants every later stage relies on; a failure is a compiler bug, not a user
/// error, so it throws <see cref="InvalidOperationException"/> with the op at fault.
/// </summary>
public sealed class VerifyProgram
{
    public void Run(IntegerProgram p)
    {
        Check(p.DeployedBits.Count > 0 && p.DeployedBits.All(k => k is >= 1 and <= 8) && p.DeployedBits.SequenceEqual(p.DeployedBits.Distinct().Order()),
              null, "deployed bits ascending within 1..8");
        Check(p.Layers.All(l => l.StoreBits is >= 1 and <= 8 && (!l.Pinned || l.StoreBits == 8) && (l.Pinned || p.DeployedBits.Max() <= l.StoreBits)),
              null, "stored bits within 1..8, 8 for pinned layers, no deployed k above them");
        var written = new bool[p.Tensors.Count];
        written[p.Input] = true;
        foreach (var op in p.Ops)
        {
            foreach (var i in op.Inputs) Check(written[i], op, $"reads tensor {i} before it is written");
            Check(!written[op.Output], op, $"writes tensor {op.Output} twice");
            written[op.Output] = true;
            var o = p.Tensors[op.Output];
            switch (op)
            {
                case ConvOp c:
                    var x = p.Tensors[c.Input];
                    Check(x.Kind == ElementKind.Code, op, "conv input must be codes");
                    Check(x.Shape.Channels % c.Groups == 0 && o.Shape.Channels % c.Groups == 0, op, "groups must divide channels");
                    // The last window may overhang the input by less than a kernel (the bottom/right padding).
                    Check((o.Shape.Height - 1) * c.StrideH - c.PadTop + c.KernelH < x.Shape.Height + c.KernelH
                          && (o.Shape.Width - 1) * c.StrideW - c.PadLeft + c.KernelW < x.Shape.Width + c.KernelW, op, "output size inconsistent");
                    CheckLayer(p, c.Layer, o.Shape.Channels, c.KernelH * c.KernelW * x.Shape.Channels / c.Groups, c.Residual, op);
                    break;
                case DenseOp d:
                    Check(p.Tensors[d.Input].Kind == ElementKind.Code, op, "dense input must be codes");
                    CheckLayer(p, d.Layer, o.Shape.Channels, p.Tensors[d.Input].Shape.Size, d.Residual, op);
                    break;
                case MaxPoolOp m:
                    Check(p.Tensors[m.Input].Kind == ElementKind.Code && p.Tensors[m.Input].Bits == o.Bits, op, "maxpool keeps the input's bits");
                    break;
                case AvgPoolOp a:
                    Check(a.Multiplier.Length == a.KernelH * a.KernelW && a.Shift.All(s => s is >= IntegerMath.MinShift and <= IntegerMath.MaxShift), op, "avgpool table");
                    break;
                case AddOp add:
                    Check(p.Tensors[add.A].Shape.Size == o.Shape.Size && p.Tensors[add.B].Shape.Size == o.Shape.Size, op, "add shapes");
                    break;
            }
            if (op.Inputs.Count > 0 && o.Storage != TensorStorage.Arena) Check(false, op, "outputs live in the arena");
        }
        Check(written[p.Output], null, "output never written");
        if (p.ArenaSize > 0)
        {
            var (first, last) = PlanArena.Lifetimes(p);
            var arena = p.Tensors.Where(t => t.Storage == TensorStorage.Arena && first[t.Id] >= 0).ToList();
            foreach (var a in arena)
            {
                Check(a.ArenaOffset >= 0 && a.ArenaOffset % PlanArena.Alignment == 0 && a.ArenaOffset + a.ByteSize <= p.ArenaSize, null, $"tensor {a.Id} placement");
                foreach (var b in arena.Where(b => b.Id > a.Id && first[a.Id] <= last[b.Id] && first[b.Id] <= last[a.Id]))
                    Check(a.ArenaOffset + a.ByteSize <= b.ArenaOffset || b.ArenaOffset + b.ByteSize <= a.ArenaOffset, null, $"tensors {a.Id} and {b.Id} overlap while both alive");
            }
            CheckWork(p, p.PackedWork, op => PackedCodes.WorkBytes(p, op), "packed work", arena, first, last);
            CheckWork(p, p.RequantWork, op => StoredRequant.WorkBytes(p, op), "requantization work", arena, first, last);
            foreach (var u in p.PackedWork)
            {
                foreach (var r in p.RequantWork.Where(r => r.Op == u.Op))
                    Check(r.ArenaOffset + r.Bytes <= u.ArenaOffset || u.ArenaOffset + u.Bytes <= r.ArenaOffset, p.Ops[u.Op], "packed work overlaps the requantization work");
            }
            foreach (var s in p.Scratch)
            {
                var op = p.Ops[s.Op];
                Check(s.Bytes <= KernelScratch.Bytes(p, op) && s.Bytes >= Math.Min(KernelScratch.MinBytes(p, op), KernelScratch.Bytes(p, op)), op, "scratch size");
                Check(s.ArenaOffset >= 0 && s.ArenaOffset % PlanArena.Alignment == 0 && (long)s.ArenaOffset + s.Bytes <= p.ArenaSize, op, "scratch placement");
                foreach (var t in arena.Where(t => first[t.Id] <= s.Op && s.Op <= last[t.Id]))
                    Check(t.ArenaOffset + t.ByteSize <= s.ArenaOffset || s.ArenaOffset + s.Bytes <= t.ArenaOffset, op, $"scratch overlaps tensor {t.Id}");
            }
        }
    }

    /// <summary>One block for each op that needs <paramref name="bytes"/> &gt; 0, of that size, inside the
    /// arena, overlapping no tensor alive at the op and not its kernel scratch.</summary>
    private static void CheckWork(IntegerProgram p, List<ScratchBlock> blocks, Func<ProgramOp, int> bytes, string what,
        List<ProgramTensor> arena, int[] first, int[] last)
    {
        Check(blocks.Select(u => u.Op).SequenceEqual(p.Ops.Where(op => bytes(op) > 0).Select(op => op.Index)), null, $"one {what} buffer for each op that needs one");
        foreach (var u in blocks)
        {
            var op = p.Ops[u.Op];
            Check(u.Bytes == bytes(op), op, $"{what} size");
            Check(u.ArenaOffset >= 0 && u.ArenaOffset % PlanArena.Alignment == 0 && (long)u.ArenaOffset + u.Bytes <= p.ArenaSize, op, $"{what} placement");
            foreach (var t in arena.Where(t => first[t.Id] <= u.Op && u.Op <= last[t.Id]))
                Check(t.ArenaOffset + t.ByteSize <= u.ArenaOffset || u.ArenaOffset + u.Bytes <= t.ArenaOffset, op, $"{what} overlaps tensor {t.Id}");
            foreach (var s in p.Scratch.Where(s => s.Op == u.Op))
                Check(s.ArenaOffset + s.Bytes <= u.ArenaOffset || u.ArenaOffset + u.Bytes <= s.ArenaOffset, op, $"{what} overlaps the kernel scratch");
        }
    }

    private static void CheckLayer(IntegerProgram p, int index, int outChannels, int perChannel, int? residual, ProgramOp op)
    {
        var layer = p.Layers[index];
        Check(layer.OutChannels == outChannels && layer.Codes.Length == outChannels * perChannel, op, "weight codes size");
        Check(layer.SupportedBits.SequenceEqual(layer.Pinned ? [8] : p.DeployedBits), op,
            $"a table for exactly the k the layer runs at ({(layer.Pinned ? "8, pinned" : "deployed " + WeightBits.Text(p.DeployedBits))})");
        foreach (var k in layer.SupportedBits)
        {
            var t = layer.TableFor(k);
            Check(t.Bias.Length == outChannels && t.Multiplier.Length == outChannels && t.Shift.Length == outChannels, op, "table sizes");
            Check((t.ResidualMultiplier is not null) == residual.HasValue && (t.ResidualPreShift is not null) == residual.HasValue, op, "residual multiplier iff residual");
            Check(t.PreShift.Length == outChannels && t.PreShift.All(s => s is >= 0 and <= IntegerMath.MaxShift), op, "pre-shift range");
            Check(t.ResidualPreShift is null || t.ResidualPreShift.All(s => s is >= 0 and <= IntegerMath.MaxShift), op, "residual pre-shift range");
            Check(t.Shift.All(s => s is >= IntegerMath.MinShift and <= IntegerMath.MaxShift), op, "shift range");
            Check(t.Multiplier.All(m => Math.Abs(m) < IntegerMath.MultiplierLimit), op, "multiplier range");
            Check(t.Bias.All(b => Math.Abs(b) <= IntegerMath.BiasLimit), op, "bias range");
        }
        var stored = layer.Storage(out var why);
        Check(stored is not null, op, $"storable tables ({why})");
        Check(stored!.Mismatch(layer.Tables, outChannels) is null, op, $"stored tables: {stored.Mismatch(layer.Tables, outChannels)}");
    }

    private static void Check(bool ok, ProgramOp? op, string what)
    {
        if (!ok) throw new InvalidOperationException($"Program invariant broken{(op is null ? "" : $" at op {op.Index} ({op.Name})")}: {what}");
    }
}
