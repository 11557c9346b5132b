using TruncEdge.Model.Diagnostics;
using TruncEdge.Model.Graph;
using TruncEdge.Model.TruncQuant;

namespace TruncEdge.Compiler.Passes;

/// <summary>The 8-bit codes and mean |w| of one weight tensor, in ONNX element order.</summary>
public sealed record LayerCodes(byte[] Codes, double MeanAbs);

/// <summary>
/// Where weight codes come from: the precomputed codes stored in the model when present (the
/// trainer writes exactly the codes it trained with), otherwise TRUNCQUANT.md section 2 applied to
/// the latent weights, by the one implementation in TruncEdge.Model.
/// </summary>
public sealed class WeightCodeSource(ModelGraph graph, string file)
{
    private readonly WeightQuantizer _quantizer = TruncQuantMetadata.Read(graph).WeightQuantizer;

    public LayerCodes For(TensorData weight, Node node)
    {
        try
        {
            var set = TruncQuantProfile.GetWeightCodes(graph, weight.Name, _quantizer);
            return new LayerCodes(set.Codes8, set.MeanAbs);
        }
        catch (DiagnosticException e) when (e.Diagnostic.Node is null)
        {
            throw new DiagnosticException(e.Diagnostic with { File = e.Diagnostic.File ?? file, Node = node.Label });
        }
    }
}
