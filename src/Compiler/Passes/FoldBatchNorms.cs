using TruncEdge.Compiler.Draft;

namespace TruncEdge.Compiler.Passes;

/// <summary>
/// Folds each layer's bias, BatchNorms (per weight bit width k, switchable BatchNorm) and
/// constant Adds into its per-k affine map from accumulator to real output,
/// real[c] = A[k-1][c] * acc + B[k-1][c], starting from A = E / ((2^k - 1)(2^b_in - 1)).
/// Every layer whose BatchNorm does not fit is reported.
/// </summary>
public sealed class FoldBatchNorms : ICompilerPass
{
    public string Name => "FoldBatchNorms";

    public void Run(Compilation compilation, DiagnosticBag diagnostics)
    {
        foreach (var layer in compilation.RequireDraft().Layers)
            diagnostics.Try(() => Fold(compilation, layer));
    }

    private static void Fold(Compilation compilation, DraftLayer layer)
    {
        var a = new double[8][];
        var b = new double[8][];
        var qIn = (1 << layer.InputBits) - 1;
        for (var k = 1; k <= 8; k++)
        {
            var scale = layer.MeanAbs / (((1 << k) - 1) * (double)qIn);
            a[k - 1] = Enumerable.Repeat(scale, layer.OutChannels).ToArray();
            b[k - 1] = layer.Bias is null ? new double[layer.OutChannels] : (double[])layer.Bias.Clone();
        }
        foreach (var step in layer.Steps)
        {
            switch (step)
            {
                case BatchNormStep bn:
                    (a, b) = BatchNormFolding.Fold(compilation.Graph, bn.Node, a, b, bn.Epsilon, compilation.Options.SourceFile);
                    break;
                case ConstantAddStep add:
                    var v = add.Values;
                    b = b.Select(row => row.Select((x, i) => x + v[v.Length == 1 ? 0 : i]).ToArray()).ToArray();
                    break;
                default:
                    throw new InvalidOperationException($"FoldBatchNorms does not know {step.GetType().Name}");
            }
        }
        (layer.A, layer.B, layer.Steps) = (a, b, []);
    }
}
