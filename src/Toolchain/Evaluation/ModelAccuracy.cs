using TruncEdge.Compiler;
using TruncEdge.Model.Diagnostics;
using TruncEdge.Model.TruncQuant;
using TruncEdge.Trainer.Data;
using TruncEdge.Trainer.Import;
using TruncEdge.Trainer.Quantization;
using TruncEdge.Trainer.Training;

namespace TruncEdge.Toolchain.Evaluation;

/// <summary>What `truncedge eval` reports: the integer Program's top-1 accuracy per bit width and
/// the trainer's fake-quant figures for the same model and test set.</summary>
public sealed record AccuracyReport(string Data, int Samples, WeightQuantizer Quantizer, IReadOnlyList<BitWidthAccuracy> Integer, EvalResult FakeQuant)
{
    /// <summary>The bit widths of the table: every k, deployed or not (the fake-quant model runs them all).</summary>
    public static IReadOnlyList<int> Bits { get; } = Enumerable.Range(1, 8).ToList();

    /// <summary>How the model was trained, as the table names it.</summary>
    public string TrainedWith => Quantizer == WeightQuantizer.TruncQuant ? "TruncQuant" : "Quant";

    public double? FakeQuantAccuracy(int bits, WeightDeployment deployment) => FakeQuant.Accuracy(Precision.Of(bits), deployment);
}

/// <summary>
/// Accuracy of a compiled model on a named test set (digits, mnist, ...): the integer Program as
/// deployed (<see cref="ProgramAccuracy"/>, the emitted C on the host) and the fake-quant float
/// model of the trainer, at weight bit widths 1..8.
/// </summary>
public sealed class ModelAccuracy(TargetCatalog catalog)
{
    /// <summary>A data set that cannot be loaded, or that does not fit the model, is the user's
    /// mistake (TE6010, naming the model); <paramref name="limit"/> keeps the first N samples.</summary>
    public AccuracyReport Measure(CompiledModel model, string data, int? limit = null)
    {
        Dataset test;
        EvalResult fake;
        try
        {
            test = DataSets.Load(data).Test;
            if (limit is { } n) test = test.Take(n);
            fake = ModelEvaluation.Evaluate(model.Graph, test, new EvalOptions());
        }
        catch (Exception e) when (e is DataSetException or UnsupportedModelException or DataSetMismatchException)
        {
            throw new DiagnosticException("TE6010", e.Message, model.SourcePath);
        }
        var inputs = Enumerable.Range(0, test.Count).Select(i =>
        {
            var b = new byte[test.SampleSize];
            test.CopySampleHwc(i, b);
            return b;
        }).ToList();
        var labels = test.Labels.Select(l => (int)l).ToList();
        var integer = new ProgramAccuracy(catalog).Measure(model, inputs, labels, AccuracyReport.Bits);
        return new AccuracyReport(test.Name, test.Count, TruncQuantMetadata.Read(model.Graph).WeightQuantizer, integer, fake);
    }
}
