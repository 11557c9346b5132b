using TruncEdge.Compiler.Passes;
using TruncEdge.Compiler.Program;
using TruncEdge.Model.Graph;

namespace TruncEdge.Compiler;

/// <summary>
/// ONNX graph to integer Program. The passes, in order; each is one sealed class in Passes/.
/// </summary>
public sealed class CompilerPipeline
{
    public IntegerProgram Compile(ModelGraph graph, CompilerOptions options)
    {
        // Refuse ops outside the profile before looking at anything else.
        new CheckSupportedOps().Run(graph, options);
        // NCHW shapes of every value, checked for consistency.
        var shapes = new InferShapes().Run(graph, options);
        // Quantizers to Code tensors, Conv/Gemm to layers with 8-bit codes, BatchNorm folded per k, Adds fused, NCHW to HWC.
        var draft = new LowerGraph().Run(graph, shapes, new WeightCodeSource(graph, options.SourceFile), options);
        // First and last weight layers stay at 8 bits.
        new PinLayers().Run(draft, options);
        // No accumulator can overflow int32 at any bit width a layer can run at.
        new CheckAccumulatorBounds().Run(draft, options);
        // Float epilogues become integer multipliers, shifts and biases per (layer, channel, k).
        var program = new LowerRequantization().Run(draft, options);
        // Only the deployed weight bit widths keep their tables (by default 1..S, S the stored bits).
        new SelectDeployedBits().Run(program, options);
        // Layers that are not pinned store the top S bits of each code (--store-bits S).
        new StoreWeightBits().Run(program, options);
        // Arena offsets for every tensor, the packed layers' work buffers and kernel scratch, and the lower bound of the tensors.
        new PlanArena().Run(program);
        // Invariants that the reference executor and the emitter rely on.
        new VerifyProgram().Run(program);
        return program;
    }
}
