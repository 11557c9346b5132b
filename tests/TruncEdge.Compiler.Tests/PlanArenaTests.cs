using TruncEdge.Compiler.Passes;
using TruncEdge.Compiler.Program;
using TruncEdge.EndToEnd.Tests;

namespace TruncEdge.Compiler.Tests;

/// <summary>
/// The arena plan against lifetimes the test works out itself from the ops, never through
/// <see cref="PlanArena.Lifetimes"/> or <see cref="VerifyProgram"/> (which uses it): a planner
/// whose lifetimes are wrong places two tensors that are alive together at overlapping bytes, and
/// these tests see it.
/// </summary>
public class PlanArenaTests
{
    /// <summary>A chain of maxpools with random sizes and skip connections through Adds: a
    /// well-formed Program (each pool keeps its channels and maps its input's width to its
    /// output's through a 3-wide window, stride 1 or 2, padding 0..2).</summary>
    private static IntegerProgram RandomChain(Random rng)
    {
        var tensors = new List<ProgramTensor>();
        ProgramTensor T(int w, int c, ElementKind kind = ElementKind.Code) => new()
        {
            Id = tensors.Count, Name = $"t{tensors.Count}", Shape = new TensorShape(1, w, c), Kind = kind,
            Bits = kind == ElementKind.Code ? 8 : 32, Scale = 1,
        };
        var channels = rng.Next(1, 9);
        var input = T(rng.Next(1, 50), channels);
        input.Storage = TensorStorage.Input;
        tensors.Add(input);
        var ops = new List<ProgramOp>();
        for (var i = 0; i < 12; i++)
        {
            var prev = tensors[^1];
            if (i > 2 && rng.Next(3) == 0)
            {
                var other = tensors[rng.Next(1, tensors.Count)];
                var o = T(prev.Shape.Width, channels);
                tensors.Add(o);
                var b = other.Shape == prev.Shape ? other.Id : prev.Id;
                ops.Add(new AddOp { Index = ops.Count, Name = "add", Output = o.Id, A = prev.Id, B = b, MultiplierA = 1, MultiplierB = 1, Shift = 1, Clamp = new(0, 255) });
            }
            else
            {
                int stride = rng.Next(1, 3), pad = rng.Next(0, 3);
                var widest = (prev.Shape.Width + pad - 1) / stride + 1; // (out - 1) * stride - pad < in
                var o = T(rng.Next(1, Math.Min(widest, 200) + 1), channels);
                tensors.Add(o);
                ops.Add(new MaxPoolOp { Index = ops.Count, Name = "pool", Output = o.Id, Input = prev.Id, KernelH = 1, KernelW = 3, StrideH = 1, StrideW = stride, PadTop = 0, PadLeft = pad });
            }
        }
        return new IntegerProgram { Name = "chain", Tensors = tensors, Layers = [], Ops = ops, Input = 0, Output = tensors[^1].Id };
    }

    /// <summary>
    /// The arena tensors alive during each op's call, worked out here from the ops alone: a tensor
    /// is alive at op i when some op at or before i writes it and some op at or after i reads or
    /// writes it; the model output stays alive after it is written, to the end (the caller reads
    /// it after the last op). The inputs and the output of one op are alive together.
    /// </summary>
    private static List<ProgramTensor>[] LiveAtEachOp(IntegerProgram p)
    {
        var live = new List<ProgramTensor>[p.Ops.Count];
        for (var i = 0; i < p.Ops.Count; i++)
        {
            live[i] = [];
            foreach (var t in p.Tensors.Where(t => t.Storage == TensorStorage.Arena))
            {
                var writtenByNow = p.Ops.Take(i + 1).Any(op => op.Output == t.Id);
                var usedFromNowOn = t.Id == p.Output || p.Ops.Skip(i).Any(op => op.Output == t.Id || op.Inputs.Contains(t.Id));
                if (writtenByNow && usedFromNowOn) live[i].Add(t);
            }
        }
        return live;
    }

    private static bool Disjoint(int a, int aBytes, int b, int bBytes) => a + aBytes <= b || b + bBytes <= a;

    /// <summary>Asserts, op by op, that nothing alive during the op shares a byte with anything else
    /// alive then (tensors, and that op's kernel scratch and work buffers), that everything lies
    /// aligned inside the arena, and that the lower bound is the largest live total.</summary>
    private static void AssertPlanRespectsIndependentLifetimes(IntegerProgram p, string what)
    {
        Assert.True(p.Ops.Count > 0, $"{what}: no ops");
        foreach (var op in p.Ops)
        {
            foreach (var input in op.Inputs.Where(t => p.Tensors[t].Storage == TensorStorage.Arena))
                Assert.True(p.Ops.Take(op.Index).Any(o => o.Output == input), $"{what}: op {op.Index} reads t{input} before any op writes it");
        }
        foreach (var t in p.Tensors.Where(t => t.Storage == TensorStorage.Arena && p.Ops.Any(op => op.Output == t.Id)))
        {
            Assert.True(t.ArenaOffset >= 0 && t.ArenaOffset % PlanArena.Alignment == 0 && t.ArenaOffset + t.ByteSize <= p.ArenaSize,
                $"{what}: tensor t{t.Id} at {t.ArenaOffset}+{t.ByteSize} is not aligned inside the arena of {p.ArenaSize} B");
        }

        var live = LiveAtEachOp(p);
        var largestLive = 0;
        for (var i = 0; i < p.Ops.Count; i++)
        {
            var blocks = live[i].Select(t => (Name: $"tensor t{t.Id}", Offset: t.ArenaOffset, Bytes: t.ByteSize))
                .Concat(p.Scratch.Where(s => s.Op == i).Select(s => (Name: "kernel scratch", Offset: s.ArenaOffset, Bytes: s.Bytes)))
                .Concat(p.PackedWork.Where(s => s.Op == i).Select(s => (Name: "packed work", Offset: s.ArenaOffset, Bytes: s.Bytes)))
                .Concat(p.RequantWork.Where(s => s.Op == i).Select(s => (Name: "requantization work", Offset: s.ArenaOffset, Bytes: s.Bytes)))
                .ToList();
            for (var a = 0; a < blocks.Count; a++)
            {
                var x = blocks[a];
                Assert.True(x.Offset >= 0 && (long)x.Offset + x.Bytes <= p.ArenaSize,
                    $"{what}, op {i}: {x.Name} at {x.Offset}+{x.Bytes} is outside the arena of {p.ArenaSize} B");
                for (var b = a + 1; b < blocks.Count; b++)
                {
                    var y = blocks[b];
                    Assert.True(Disjoint(x.Offset, x.Bytes, y.Offset, y.Bytes),
                        $"{what}, op {i} ({p.Ops[i].Name}): {x.Name} at {x.Offset}+{x.Bytes} overlaps {y.Name} at {y.Offset}+{y.Bytes}, both alive");
                }
            }
            largestLive = Math.Max(largestLive, live[i].Sum(t => t.ByteSize));
        }
        Assert.Equal(largestLive, p.ArenaLowerBound);
        Assert.True(p.ArenaSize >= largestLive, $"{what}: arena {p.ArenaSize} B below the {largestLive} B alive at once");
    }

    [Fact]
    public void RandomChainPlansNeverOverlapTensorsAliveTogetherByLifetimesComputedInTheTest()
    {
        var rng = new Random(42);
        for (var trial = 0; trial < 300; trial++)
        {
            var p = RandomChain(rng);
            new PlanArena().Run(p);
            new VerifyProgram().Run(p); // the generator made a well-formed program
            AssertPlanRespectsIndependentLifetimes(p, $"chain {trial}");
            Assert.True(p.ArenaLowerBound > 0);
        }
    }

    [Fact]
    public void RandomModelPlansNeverOverlapTensorsScratchOrWorkAliveTogetherByLifetimesComputedInTheTest()
    {
        // The random models of the end-to-end tests (every op, residuals, pools, dense heads),
        // compiled by the whole pipeline, some with packed weights (work buffers) or fewer k.
        int scratch = 0, packed = 0, requant = 0;
        for (var seed = 0; seed < 200; seed++)
        {
            var c = RandomModels.Make(seed);
            var options = new CompilerOptions
            {
                PinFirstAndLast = c.Pin, SourceFile = $"random{seed}.onnx",
                StoreBits = seed % 3 == 0 ? 1 + seed / 3 % 7 : 8,
                DeployBits = seed % 3 != 0 && seed % 5 == 1 ? [2, 4, 8] : null,
            };
            var p = new CompilerPipeline().Compile(c.Graph, options);
            AssertPlanRespectsIndependentLifetimes(p, $"seed {seed} ({c.Description})");
            (scratch, packed, requant) = (scratch + p.Scratch.Count, packed + p.PackedWork.Count, requant + p.RequantWork.Count);
        }
        // The per-op blocks were there to check.
        Assert.True(scratch > 0 && packed > 0 && requant > 0, $"scratch {scratch}, packed work {packed}, requantization work {requant}");
    }
}
