using TruncEdge.Compiler.Passes;
using TruncEdge.Compiler.Program;

namespace TruncEdge.Compiler.Tests;

public class PlanArenaTests
{
    /// <summary>A chain of maxpools with random sizes and skip connections through Adds.</summary>
    private static IntegerProgram RandomChain(Random rng)
    {
        var tensors = new List<ProgramTensor>();
        ProgramTensor T(int c, ElementKind kind = ElementKind.Code) => new()
        {
            Id = tensors.Count, Name = $"t{tensors.Count}", Shape = new TensorShape(1, 1, c), Kind = kind,
            Bits = kind == ElementKind.Code ? 8 : 32, Scale = 1,
        };
        var input = T(rng.Next(1, 50));
        input.Storage = TensorStorage.Input;
        tensors.Add(input);
        var ops = new List<ProgramOp>();
        for (var i = 0; i < 12; i++)
        {
            var prev = tensors[^1];
            if (i > 2 && rng.Next(3) == 0)
            {
                var other = tensors[rng.Next(1, tensors.Count)];
                var o = T(prev.Shape.Channels);
                tensors.Add(o);
                var b = other.Shape.Channels == prev.Shape.Channels ? other.Id : prev.Id;
                ops.Add(new AddOp { Index = ops.Count, Name = "add", Output = o.Id, A = prev.Id, B = b, MultiplierA = 1, MultiplierB = 1, Shift = 1, Clamp = new(0, 255) });
            }
            else
            {
                var o = T(rng.Next(1, 200));
                tensors.Add(o);
                ops.Add(new MaxPoolOp { Index = ops.Count, Name = "pool", Output = o.Id, Input = prev.Id, KernelH = 1, KernelW = 1, StrideH = 1, StrideW = 1, PadTop = 0, PadLeft = 0 });
            }
        }
        return new IntegerProgram { Name = "chain", Tensors = tensors, Layers = [], Ops = ops, Input = 0, Output = tensors[^1].Id };
    }

    [Fact]
    public void PlansNeverOverlapLiveTensorsAndRespectTheLowerBound()
    {
        var rng = new Random(42);
        for (var trial = 0; trial < 300; trial++)
        {
            var p = RandomChain(rng);
            new PlanArena().Run(p);
            new VerifyProgram().Run(p); // checks alignment, bounds and overlap of live tensors
            Assert.True(p.ArenaSize >= p.ArenaLowerBound);
            Assert.True(p.ArenaLowerBound > 0);
        }
    }
}
