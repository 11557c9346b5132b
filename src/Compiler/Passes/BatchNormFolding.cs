using TruncEdge.Model.Diagnostics;
using TruncEdge.Model.Graph;
using TruncEdge.Model.TruncQuant;

namespace TruncEdge.Compiler.Passes;

/// <summary>
/// Folds a BatchNormalization into a layer's per-k affine maps, with the BatchNorm parameters of
/// each weight bit width (switchable BatchNorm, TRUNCQUANT.md section 5):
/// A' = A * gamma / sqrt(var + eps), B' = (B - mean) * gamma / sqrt(var + eps) + beta.
/// </summary>
public static class BatchNormFolding
{
    public static (double[][] A, double[][] B) Fold(ModelGraph graph, Node bn, double[][] a, double[][] b, double eps, string file)
    {
        var newA = new double[8][];
        var newB = new double[8][];
        for (var k = 1; k <= 8; k++)
        {
            var p = TruncQuantProfile.GetBatchNormParams(graph, bn, k);
            var channels = a[k - 1].Length;
            if (p.Gamma.Length != channels)
                throw new DiagnosticException("TE2040", $"BatchNorm has {p.Gamma.Length} channels, its layer {channels}", file, bn.Label);
            newA[k - 1] = new double[channels];
            newB[k - 1] = new double[channels];
            for (var c = 0; c < channels; c++)
            {
                var variance = p.Var[c];
                if (variance + eps <= 0)
                    throw new DiagnosticException("TE2041", $"BatchNorm variance + epsilon is not positive for channel {c} at k={k}", file, bn.Label);
                var g = p.Gamma[c] / Math.Sqrt(variance + eps);
                newA[k - 1][c] = a[k - 1][c] * g;
                newB[k - 1][c] = (b[k - 1][c] - p.Mean[c]) * g + p.Beta[c];
            }
        }
        return (newA, newB);
    }
}
