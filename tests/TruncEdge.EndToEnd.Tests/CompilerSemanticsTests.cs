using TruncEdge.Compiler;
using TruncEdge.Compiler.Passes;
using TruncEdge.Compiler.Program;
using TruncEdge.Compiler.Reference;
using Xunit.Abstractions;

namespace TruncEdge.EndToEnd.Tests;

/// <summary>
/// The integer Program against an independent float64 evaluation of the same ONNX graph, on
/// many random models, at every weight bit width: catches lowering mistakes that bit-exact
/// C-versus-C# comparisons cannot.
/// </summary>
public class CompilerSemanticsTests(ITestOutputHelper output)
{
    [Fact]
    public void IntegerProgramTracksTheFloatModelOnRandomModels()
    {
        int exact = 0, total = 0, models = 0;
        var worst = new List<string>();
        for (var seed = 0; seed < 150; seed++)
        {
            var c = RandomModels.Make(seed);
            var program = new CompilerPipeline().Compile(c.Graph, new CompilerOptions { PinFirstAndLast = c.Pin, SourceFile = $"random{seed}.onnx" });
            models++;
            var reference = new ReferenceExecutor(program);
            var floats = new FloatReference(c.Graph);
            var rng = new Random(seed);
            var outT = program.OutputTensor;
            var unit = outT.Kind == ElementKind.Code ? 1.0 / outT.MaxCode : outT.Scale;
            for (var k = 1; k <= 8; k++)
            {
                var bits = BitWidths.All(program, k);
                var pinned = program.Layers.Where(l => l.Pinned).Select(l => l.Name).ToHashSet();
                for (var sample = 0; sample < 4; sample++)
                {
                    var input = new byte[program.InputTensor.Shape.Size];
                    rng.NextBytes(input);
                    var got = reference.Run(input, bits).Output.Select(v => v * unit).ToArray();
                    var outShape = c.Graph.Outputs[0].Shape;
                    var want = FloatReference.ToHwc(floats.Run(input, name => pinned.Contains(name) ? 8 : k), outShape);
                    Assert.Equal(want.Length, got.Length);
                    var scale = Math.Max(1e-9, want.Max(Math.Abs));
                    var err = want.Zip(got, (a, b) => Math.Abs(a - b)).Max() / scale;
                    total++;
                    if (err <= 1e-4) exact++;
                    else if (worst.Count < 20) worst.Add($"seed {seed} k={k} sample {sample}: relative error {err:g3} ({c.Description})");
                }
            }
        }
        foreach (var w in worst) output.WriteLine(w);
        output.WriteLine($"{exact}/{total} runs agree to 1e-4 over {models} models");
        // Disagreements come only from values that land within float noise of a rounding boundary.
        Assert.True(exact >= total * 0.99, $"only {exact}/{total} runs agree with the float model:\n{string.Join("\n", worst)}");
    }
}
