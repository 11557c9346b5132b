using TruncEdge.Compiler;
using TruncEdge.Compiler.Passes;
using TruncEdge.Compiler.Program;
using TruncEdge.Compiler.Reference;
using Xunit.Abstractions;

namespace TruncEdge.EndToEnd.Tests;

public class ScratchDebug(ITestOutputHelper output)
{
    [Fact]
    public void Dump()
    {
        var seed = int.Parse(Environment.GetEnvironmentVariable("SEED") ?? "1");
        var k = int.Parse(Environment.GetEnvironmentVariable("K") ?? "8");
        var c = RandomModels.Make(seed);
        foreach (var n in c.Graph.Nodes) output.WriteLine($"{n.OpType} {n.Name} [{string.Join(",", n.Inputs)}] -> {n.Outputs[0]}");
        var program = new CompilerPipeline().Compile(c.Graph, new CompilerOptions { PinFirstAndLast = c.Pin });
        output.WriteLine(ProgramPrinter.Print(program, true));
        var rng = new Random(seed);
        var pinned = program.Layers.Where(l => l.Pinned).Select(l => l.Name).ToHashSet();
        for (var sample = 0; sample < 4; sample++)
        {
            var input = new byte[program.InputTensor.Shape.Size];
            rng.NextBytes(input);
            var res = new ReferenceExecutor(program).Run(input, BitWidths.All(program, k), true);
            var vals = new Dictionary<string, (double[] D, long[] S)>();
            new FloatReference(c.Graph).Run(input, name => pinned.Contains(name) ? 8 : k, vals);
            foreach (var op in program.Ops)
            {
                var t = program.Tensors[op.Output];
                var ints = t.Kind == ElementKind.Code ? res.OpOutputs![op.Index].Select(b => (double)b).ToArray()
                    : Enumerable.Range(0, t.Shape.Size).Select(i => BitConverter.ToInt32(res.OpOutputs![op.Index], i * 4) * t.Scale).ToArray();
                if (!vals.TryGetValue(t.Name, out var fv)) { output.WriteLine($"s{sample} op {op.Index} {t.Name}: no float"); continue; }
                var f = FloatReference.ToHwc(fv.D, fv.S);
                var diffs = Enumerable.Range(0, f.Length).Where(i => Math.Abs(f[i] - ints[i]) > 1e-6 * Math.Max(1, Math.Abs(f[i]))).ToList();
                var pre = t.Name.EndsWith(".quantize") && vals.TryGetValue(t.Name.Replace(".quantize", ".clip"), out var pv) ? FloatReference.ToHwc(pv.D, pv.S) : null;
                foreach (var i in diffs.Take(3)) if (pre is not null) output.WriteLine($"   pre-round [{i}] = {pre[i] * t.MaxCode:R}");
                output.WriteLine($"s{sample} op {op.Index} {t.Name}: {diffs.Count} diffs " + string.Join(" ", diffs.Take(5).Select(i => $"[{i}] f={f[i]:R} i={ints[i]:R}")));
            }
        }
    }
}
