using TruncEdge.Compiler.Draft;
using TruncEdge.Compiler.Program;

namespace TruncEdge.Compiler.Passes;

/// <summary>
/// A fixed scale for every Int32 tensor (a model output before quantization, the side branch of
/// a two-layer Add), independent of k, that no value can overflow (docs/integer-semantics.md):
/// the largest |real| over every k and channel of the layer that writes it maps to 2^30.
/// </summary>
public sealed class ChooseInt32Scales : ICompilerPass
{
    public string Name => "ChooseInt32Scales";

    public void Run(Compilation compilation, DiagnosticBag diagnostics)
    {
        var draft = compilation.RequireDraft();
        foreach (var op in draft.Ops.OfType<DraftLayerOp>().Where(o => draft.Tensors[o.Output].Kind == ElementKind.Int32))
        {
            draft.Tensors[op.Output].Scale = Int32Scale(draft.Layers[op.Layer]);
        }
    }

    private static double Int32Scale(DraftLayer layer)
    {
        var max = 0.0;
        var qIn = (1 << layer.InputBits) - 1;
        for (var k = 1; k <= 8; k++)
        {
            var bounds = AccumulatorBounds.PerChannel(layer.Codes, layer.OutChannels, k, qIn);
            for (var c = 0; c < layer.OutChannels; c++)
                max = Math.Max(max, Math.Abs(layer.A[k - 1][c]) * bounds[c] + Math.Abs(layer.B[k - 1][c]));
        }
        return max > 0 ? max / (1 << 30) : 1.0;
    }
}
