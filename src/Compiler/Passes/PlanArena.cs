using TruncEdge.Compiler.Program;

namespace TruncEdge.Compiler.Passes;

/// <summary>
/// Static memory plan: every arena tensor gets an offset so that tensors alive at the same
/// time never overlap. Greedy by size, largest first, each at the lowest offset that fits
/// (TFLite Micro's greedy planner). Also computes the lower bound: the largest total size of
/// tensors that must be alive at once (inputs and output of the same op included).
/// </summary>
public sealed class PlanArena
{
    public const int Alignment = 8;

    public void Run(IntegerProgram program)
    {
        var (first, last) = Lifetimes(program);
        var arena = program.Tensors.Where(t => t.Storage == TensorStorage.Arena && first[t.Id] >= 0).ToList();

        var placed = new List<ProgramTensor>();
        foreach (var t in arena.OrderByDescending(t => t.ByteSize).ThenBy(t => t.Id))
        {
            var conflicts = placed
                .Where(p => first[p.Id] <= last[t.Id] && first[t.Id] <= last[p.Id])
                .OrderBy(p => p.ArenaOffset)
                .ToList();
            var offset = 0;
            foreach (var p in conflicts)
            {
                if (offset + t.ByteSize <= p.ArenaOffset) break;
                offset = Math.Max(offset, Align(p.ArenaOffset + p.ByteSize));
            }
            t.ArenaOffset = offset;
            placed.Add(t);
        }

        program.ArenaSize = Align(placed.Count == 0 ? 0 : placed.Max(t => t.ArenaOffset + t.ByteSize));
        program.ArenaLowerBound = Enumerable.Range(0, program.Ops.Count)
            .Select(i => arena.Where(t => first[t.Id] <= i && i <= last[t.Id]).Sum(t => t.ByteSize))
            .DefaultIfEmpty(0).Max();
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
