using TruncEdge.Compiler.Passes;
using TruncEdge.EndToEnd.Tests;
using TruncEdge.Model.Building;
using TruncEdge.Model.Diagnostics;
using TruncEdge.Model.Graph;
using TruncEdge.Model.TruncQuant;

namespace TruncEdge.Compiler.Tests;

/// <summary>The pass list: every error of the failing pass in one run, each stamped with its pass;
/// the IR checked after every pass; stopping after a named pass.</summary>
public class PassPipelineTests
{
    private static float[] W(int n, double scale = 0.3) => Enumerable.Range(0, n).Select(i => (float)(Math.Sin(i * 1.7) * scale)).ToArray();

    private static TruncQuantGraphBuilder Builder() => new("bad", WeightQuantizer.TruncQuant, [1, 2, 4, 8], 4);

    private static IReadOnlyList<Diagnostic> Refused(ModelGraph g) =>
        Assert.Throws<DiagnosticException>(() => new CompilerPipeline().Compile(g, new CompilerOptions { SourceFile = "bad.onnx" })).Diagnostics;

    /// <summary>input -> two Conv branches -> Add -> quantizer: what goes wrong in one branch
    /// cannot hide what goes wrong in the other.</summary>
    private static ModelGraph TwoBranches(Func<TruncQuantGraphBuilder, string, string, string> branch)
    {
        var b = Builder();
        var x = b.ActQuant(b.Conv(b.InputU8(1, 6, 6), W(2 * 9), 2, 3, 3, pads: (1, 1, 1, 1), name: "stem"));
        return b.Build(b.ActQuant(b.Add(branch(b, x, "left"), branch(b, x, "right"))));
    }

    [Fact]
    public void TwoUnsupportedOpsAreTwoDiagnosticsOfOneRun()
    {
        var b = Builder();
        var g = b.Build(b.ActQuant(b.Conv(b.InputU8(1, 4, 4), W(9), 1, 3, 3, pads: (1, 1, 1, 1))));
        var y = g.Outputs[0].Name;
        g.Nodes.Add(new Node("my_sigmoid", "Sigmoid", [y], ["s"]));
        g.Nodes.Add(new Node("my_softmax", "Softmax", ["s"], ["p"]));
        g.Outputs[0] = g.Outputs[0] with { Name = "p" };
        var d = Refused(g);
        Assert.Equal(["TE2001", "TE2001"], d.Select(x => x.Code));
        Assert.Equal(["my_sigmoid", "my_softmax"], d.Select(x => x.Node));
        Assert.All(d, x => Assert.Equal("CheckSupportedOps", x.Pass));
        Assert.All(d, x => Assert.Equal("bad.onnx", x.File));
    }

    [Fact]
    public void TwoBadShapesAreBothReported()
    {
        var g = TwoBranches((b, x, name) => b.ActQuant(b.Conv(x, W(2 * 2 * 9), 2, 3, 3, pads: (1, 1, 1, 1), name: name)));
        foreach (var conv in g.Nodes.Where(n => n.Name is "left" or "right").ToList())
        {
            var attrs = conv.Attributes.ToDictionary(kv => kv.Key, kv => kv.Value);
            attrs["dilations"] = AttributeValue.Of(2L, 2L);
            g.Nodes[g.Nodes.IndexOf(conv)] = new Node(conv.Name, conv.OpType, conv.Inputs, conv.Outputs, attrs);
        }
        var d = Refused(g);
        // The Add and the quantizer after it read what the bad Convs compute: skipped, not reported.
        Assert.Equal([("TE2015", "left"), ("TE2015", "right")], d.Select(x => (x.Code, x.Node)));
        Assert.All(d, x => Assert.Equal("InferShapes", x.Pass));
    }

    [Fact]
    public void TwoBadQuantizerScalesAreBothReported()
    {
        var g = TwoBranches((b, x, name) => b.ActQuant(b.Conv(x, W(2 * 2 * 9), 2, 3, 3, pads: (1, 1, 1, 1), name: name), name: name + ".q"));
        var scales = g.Nodes.Where(n => n.OpType == "QuantizeLinear" && n.Inputs[0].Contains("clip", StringComparison.Ordinal)).Select(n => n.Inputs[1]).Distinct().ToList();
        foreach (var s in scales) g.Initializers[s] = TensorData.FromFloats(s, [], [0.1f]);
        var d = Refused(g);
        Assert.True(d.Count >= 2, string.Join("\n", d));
        Assert.All(d, x => Assert.Equal(("TE2103", "RecognizeQuantizers"), (x.Code, x.Pass)));
        Assert.Equal(d.Count, d.Select(x => x.Node).Distinct().Count());
    }

    [Fact]
    public void TwoIndependentLoweringErrorsAreBothReported()
    {
        // Each branch quantizes at 4 bits without the Clip(0,1) that makes 2^b-1 the top code.
        var g = TwoBranches((b, x, name) => b.ActQuant(b.Conv(x, W(2 * 2 * 9), 2, 3, 3, pads: (1, 1, 1, 1), name: name), 4, clip: false, name: name + ".q"));
        var d = Refused(g);
        Assert.Equal(2, d.Count);
        Assert.All(d, x => Assert.Equal(("TE2127", "LowerGraph"), (x.Code, x.Pass)));
        Assert.NotEqual(d[0].Node, d[1].Node);
    }

    [Fact]
    public void EveryDiagnosticNamesItsPass()
    {
        var b = Builder();
        var x = b.Conv(b.InputU8(1, 4, 4), W(9), 1, 3, 3, pads: (1, 1, 1, 1));
        x = b.Conv(x, W(9), 1, 3, 3, pads: (1, 1, 1, 1), name: "second");
        var d = Assert.Single(Refused(b.Build(x)));
        Assert.Equal(("TE2030", "LowerGraph", "second"), (d.Code, d.Pass, d.Node));
    }

    [Fact]
    public void PassNamesAreDistinctVerbNouns()
    {
        var names = CompilerPipeline.Passes.Select(p => p.Name).ToList();
        Assert.Equal(names.Count, names.Distinct().Count());
        Assert.All(CompilerPipeline.Passes, p => Assert.Equal(p.GetType().Name, p.Name));
        Assert.All(names, n => Assert.Matches("^[A-Z][a-z]+([A-Z0-9][a-z0-9]*)+$", n));
    }

    [Fact]
    public void TheIrIsWellFormedAfterEveryPassOfRandomModels()
    {
        var pipeline = new CompilerPipeline { VerifyAfterEachPass = true };
        for (var seed = 0; seed < 60; seed++)
        {
            var c = RandomModels.Make(seed);
            var options = new CompilerOptions { PinFirstAndLast = c.Pin, SourceFile = $"random{seed}.onnx", StoreBits = seed % 3 == 0 ? 4 : 8 };
            var verified = pipeline.Compile(c.Graph, options);
            // The checks observe: the Program is the one the pipeline compiles without them.
            var plain = new CompilerPipeline().Compile(RandomModels.Make(seed).Graph, options);
            Assert.Equal(Program.ProgramPrinter.Print(plain, true), Program.ProgramPrinter.Print(verified, true));
        }
    }

    [Fact]
    public void TheDraftCheckCatchesABrokenDraft()
    {
        var c = new CompilerPipeline().Run(RandomModels.Make(1).Graph, new CompilerOptions(), stopAfter: "LowerGraph");
        CompilationChecks.CheckDraft(c.RequireDraft());
        c.RequireDraft().Output = c.RequireDraft().Tensors.Count;
        Assert.Throws<InvalidOperationException>(() => CompilationChecks.After("LowerGraph", c));
    }

    [Fact]
    public void RunStopsAfterTheNamedPass()
    {
        var graph = RandomModels.Make(3).Graph;
        var draft = new CompilerPipeline().Run(graph, new CompilerOptions(), stopAfter: "ChooseInt32Scales");
        Assert.NotNull(draft.Draft);
        Assert.Null(draft.Program);
        Assert.All(draft.Draft!.Tensors, t => Assert.False(double.IsNaN(t.Scale)));
        var lowered = new CompilerPipeline().Run(graph, new CompilerOptions(), stopAfter: "LowerRequantization");
        Assert.Equal(0, lowered.RequireProgram().ArenaSize);
    }

    [Fact]
    public void AnUnknownPassListsThePasses()
    {
        var e = Assert.Throws<DiagnosticException>(() => new CompilerPipeline().Run(RandomModels.Make(0).Graph, new CompilerOptions(), stopAfter: "Optimize"));
        Assert.Equal("TE2090", e.Diagnostic.Code);
        Assert.Contains("RecognizeQuantizers", e.Message, StringComparison.Ordinal);
    }
}
