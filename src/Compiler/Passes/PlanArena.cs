using TruncEdge.Compiler.Program;

namespace TruncEdge.Compiler.Passes;

/// <summary>
/// Static memory plan: every arena tensor, and every op's kernel scratch (alive during the op's
/// call only), gets an offset so that nothing alive at the same time overlaps. Greedy by size, largest first, each at the lowest offset that fits
/// (TFLite Micro's greedy planner). Also computes the lower bound: the largest total size of
/// tensors that must be alive at once (inputs and output of the same op included).
/// </summary>
public sealed class PlanArena : ICompilerPass
{
    public string Name => "PlanArena";

    public void Run(Compilation compilation, DiagnosticBag diagnostics) => Run(compilation.RequireProgram());

    public const int Alignment = 8;

    public void Run(IntegerProgram program)
    {
        var (first, last) = Lifetimes(program);
        var arena = program.Tensors.Where(t => t.Storage == TensorStorage.Arena && first[t.Id] >= 0).ToList();

        // The tensors, largest first.
        var placed = new List<ProgramTensor>();
        foreach (var t in arena.OrderByDescending(t => t.ByteSize).ThenBy(t => t.Id))
        {
            var conflicts = placed
                .Where(p => first[p.Id] <= last[t.Id] && first[t.Id] <= last[p.Id])
                .Select(p => (p.ArenaOffset, p.ByteSize));
            t.ArenaOffset = LowestFit(conflicts, t.ByteSize);
            placed.Add(t);
        }

        var size = Align(placed.Count == 0 ? 0 : placed.Max(t => t.ArenaOffset + t.ByteSize));
        program.ArenaLowerBound = Enumerable.Range(0, program.Ops.Count)
            .Select(i => arena.Where(t => first[t.Id] <= i && i <= last[t.Id]).Sum(t => t.ByteSize))
            .DefaultIfEmpty(0).Max();

        // Per op, alive during its call only: the expanded requantization table of a Conv or Dense
        // and the work buffer of a packed layer (its unpacked codes), each at the lowest offset
        // that fits, then kernel scratch in the largest gap left, up to what the kernel
        // can use; the arena grows only where the gap is below what the kernel would otherwise
        // take on the stack (KernelScratch.MinBytes).
        program.Scratch.Clear();
        program.PackedWork.Clear();
        program.RequantWork.Clear();
        foreach (var op in program.Ops)
        {
            var live = arena.Where(t => first[t.Id] <= op.Index && op.Index <= last[t.Id])
                .Select(t => (t.ArenaOffset, t.ByteSize)).ToList();
            if (StoredRequant.WorkBytes(program, op) is > 0 and var tables)
            {
                var buffer = new ScratchBlock(op.Index, tables) { ArenaOffset = LowestFit(live, tables) };
                program.RequantWork.Add(buffer);
                live.Add((buffer.ArenaOffset, buffer.Bytes));
                size = Math.Max(size, Align(buffer.ArenaOffset + buffer.Bytes));
            }
            if (PackedCodes.WorkBytes(program, op) is > 0 and var codes)
            {
                var buffer = new ScratchBlock(op.Index, codes) { ArenaOffset = LowestFit(live, codes) };
                program.PackedWork.Add(buffer);
                live.Add((buffer.ArenaOffset, buffer.Bytes));
                size = Math.Max(size, Align(buffer.ArenaOffset + buffer.Bytes));
            }

            var (most, least) = (KernelScratch.Bytes(program, op), KernelScratch.MinBytes(program, op));
            if (most <= 0) continue;
            var (at, room) = LargestGap(live, size);
            var block = room >= least
                ? new ScratchBlock(op.Index, Math.Min(most, room / Alignment * Alignment)) { ArenaOffset = at }
                : new ScratchBlock(op.Index, least) { ArenaOffset = LowestFit(live, least) };
            program.Scratch.Add(block);
            size = Math.Max(size, Align(block.ArenaOffset + block.Bytes));
        }

        program.ArenaSize = size;
    }

    /// <summary>The lowest aligned offset where bytes fit between the given blocks.</summary>
    private static int LowestFit(IEnumerable<(int Offset, int Bytes)> taken, int bytes)
    {
        var offset = 0;
        foreach (var (at, n) in taken.OrderBy(b => b.Offset))
        {
            if (offset + bytes <= at) break;
            offset = Math.Max(offset, Align(at + n));
        }
        return offset;
    }

    /// <summary>The largest aligned free run in [0, size) between the given blocks.</summary>
    private static (int Offset, int Bytes) LargestGap(IEnumerable<(int Offset, int Bytes)> taken, int size)
    {
        var (best, bestBytes, offset) = (0, 0, 0);
        foreach (var (at, n) in taken.OrderBy(b => b.Offset).Append((size, 0)))
        {
            if (at - offset > bestBytes) (best, bestBytes) = (offset, at - offset);
            offset = Math.Max(offset, Align(at + n));
        }
        return (best, bestBytes);
    }

    /// <summary>First op that writes and last op that reads each tensor; the output lives to the end.</summary>
    public static (int[] First, int[] Last) Lifetimes(IntegerProgram program)
    {
        var first = Enumerable.Repeat(-1, program.Tensors.Count).ToArray();
        var last = Enumerable.Repeat(-1, program.Tensors.Count).ToArray();
        for (var i = 0; i < program.Ops.Count; i++)
        {
            var op = program.Ops[i];
            if (first[op.Output] < 0) first[op.Output] = i;
            last[op.Output] = Math.Max(last[op.Output], i);
            foreach (var input in op.Inputs) last[input] = Math.Max(last[input], i);
        }
        last[program.Output] = program.Ops.Count;
        return (first, last);
    }

    private static int Align(int v) => (v + Alignment - 1) / Alignment * Alignment;
}
