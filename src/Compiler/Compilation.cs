using TruncEdge.Compiler.Draft;
using TruncEdge.Compiler.Passes;
using TruncEdge.Compiler.Program;
using TruncEdge.Model.Graph;

namespace TruncEdge.Compiler;

/// <summary>
/// What the passes of <see cref="CompilerPipeline"/> read and write: the ONNX graph and options,
/// then each pass's product in pipeline order. A product is null until its pass has run.
/// </summary>
public sealed class Compilation(ModelGraph graph, CompilerOptions options)
{
    public ModelGraph Graph { get; } = graph;
    public CompilerOptions Options { get; } = options;
    /// <summary>NCHW shape of every ONNX value (InferShapes).</summary>
    public IReadOnlyDictionary<string, long[]>? Shapes { get; set; }
    /// <summary>Bit width of every QuantizeLinear/DequantizeLinear, upper bound of every Clip (RecognizeQuantizers).</summary>
    public QuantizerTable? Quantizers { get; set; }
    /// <summary>Codes and bias of every Conv/Gemm/MatMul (ResolveWeights).</summary>
    public IReadOnlyDictionary<Node, ResolvedWeights>? Weights { get; set; }
    /// <summary>The Program before requantization (LowerGraph .. CheckAccumulatorBounds).</summary>
    public DraftProgram? Draft { get; set; }
    /// <summary>The integer Program (LowerRequantization onwards).</summary>
    public IntegerProgram? Program { get; set; }

    public IReadOnlyDictionary<string, long[]> RequireShapes() => Shapes ?? throw Missing("InferShapes");
    public QuantizerTable RequireQuantizers() => Quantizers ?? throw Missing("RecognizeQuantizers");
    public IReadOnlyDictionary<Node, ResolvedWeights> RequireWeights() => Weights ?? throw Missing("ResolveWeights");
    public DraftProgram RequireDraft() => Draft ?? throw Missing("LowerGraph");
    public IntegerProgram RequireProgram() => Program ?? throw Missing("LowerRequantization");

    // A pass run before the one that makes its input is a bug in the pipeline's list.
    private static InvalidOperationException Missing(string pass) => new($"pass {pass} has not run");
}
