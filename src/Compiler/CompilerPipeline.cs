using TruncEdge.Compiler.Passes;
using TruncEdge.Compiler.Program;
using TruncEdge.Model.Diagnostics;
using TruncEdge.Model.Graph;

namespace TruncEdge.Compiler;

/// <summary>
/// ONNX graph to integer Program: the passes of <see cref="Passes"/> in order (docs/compiler.md),
/// each one sealed class in Passes/. The pipeline stops after the first pass that reported an
/// error and throws every diagnostic that pass found.
/// </summary>
public sealed class CompilerPipeline
{
    public static IReadOnlyList<ICompilerPass> Passes { get; } =
    [
        new CheckSupportedOps(), new InferShapes(), new RecognizeQuantizers(), new ResolveWeights(),
        new LowerGraph(), new FoldBatchNorms(), new LayOutWeights(), new ChooseInt32Scales(), new PinLayers(),
        new CheckAccumulatorBounds(), new LowerRequantization(), new SelectDeployedBits(),
        new StoreWeightBits(), new PlanArena(), new VerifyProgram(),
    ];

    /// <summary>Check the IR after every pass (<see cref="CompilationChecks"/>); tests turn it on.</summary>
    public bool VerifyAfterEachPass { get; init; }

    public IntegerProgram Compile(ModelGraph graph, CompilerOptions options) => Run(graph, options).RequireProgram();

    /// <summary>Runs the passes up to and including <paramref name="stopAfter"/> (all when null).</summary>
    public Compilation Run(ModelGraph graph, CompilerOptions options, string? stopAfter = null)
    {
        if (stopAfter is not null && !Passes.Any(p => p.Name == stopAfter))
        {
            throw new DiagnosticException("TE2090",
                $"unknown pass '{stopAfter}': expected one of {string.Join(", ", Passes.Select(p => p.Name))}", options.SourceFile);
        }
        var compilation = new Compilation(graph, options);
        foreach (var pass in Passes)
        {
            var diagnostics = new DiagnosticBag(options.SourceFile, pass.Name);
            diagnostics.Try(() => pass.Run(compilation, diagnostics));
            if (diagnostics.HasErrors) throw new DiagnosticException(diagnostics.Diagnostics);
            if (VerifyAfterEachPass) CompilationChecks.After(pass.Name, compilation);
            if (pass.Name == stopAfter) break;
        }
        return compilation;
    }
}
