using TruncEdge.Compiler.Draft;
using TruncEdge.Model.Diagnostics;

namespace TruncEdge.Compiler.Passes;

/// <summary>
/// Refuses any model whose accumulator could overflow int32 at a bit width it can run at:
/// for every output channel, sum |s| * (2^b_in - 1) must stay below 2^31, computed from the
/// actual codes. This bounds every partial sum too, whatever order a kernel adds in.
/// </summary>
public sealed class CheckAccumulatorBounds : ICompilerPass
{
    public string Name => "CheckAccumulatorBounds";

    /// <summary>Every layer that can overflow is reported, each at the smallest k that does.</summary>
    public void Run(Compilation compilation, DiagnosticBag diagnostics)
    {
        foreach (var layer in compilation.RequireDraft().Layers) diagnostics.Try(() => Check(layer));
    }

    private static void Check(DraftLayer layer)
    {
        var qIn = (1 << layer.InputBits) - 1;
        foreach (var k in layer.Pinned ? [8] : Enumerable.Range(1, 8))
        {
            var worst = AccumulatorBounds.PerChannel(layer.Codes, layer.OutChannels, k, qIn).Max();
            if (worst > int.MaxValue)
            {
                throw new DiagnosticException("TE2070",
                    $"worst-case accumulator {worst} at k={k} exceeds int32 ({layer.WeightsPerChannel} weights per output x {qIn}); split the layer or lower its input bits",
                    node: layer.Name);
            }
        }
    }
}
