using TruncEdge.Trainer.Quantization;

namespace TruncEdge.Trainer.Training;

/// <summary>Accuracy of one member with one way of forming its weights.</summary>
public sealed record EvalRow(Precision Precision, WeightDeployment Deployment, int Correct, int Count, double Loss)
{
    public double Accuracy => Count == 0 ? 0 : (double)Correct / Count;
}

/// <summary>
/// Fake-quant accuracies per weight bit width and deployment (Quantize = the training quantizer
/// at k bits, Truncate = the 8-bit codes shifted to k bits; identical for TruncQuant).
/// </summary>
public sealed record EvalResult(IReadOnlyList<EvalRow> Rows)
{
    public EvalRow? Find(Precision p, WeightDeployment d) =>
        Rows.FirstOrDefault(r => r.Precision == p && r.Deployment == d);

    public double? Accuracy(Precision p, WeightDeployment d = WeightDeployment.Quantize) => Find(p, d)?.Accuracy;
}
