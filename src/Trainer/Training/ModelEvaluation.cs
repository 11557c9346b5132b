using TruncEdge.Model.Graph;
using TruncEdge.Trainer.Data;
using TruncEdge.Trainer.Import;
using TruncEdge.Trainer.Quantization;
using TruncEdge.Trainer.Tensors;

namespace TruncEdge.Trainer.Training;

/// <summary>Options of the fake-quant evaluation of a model file (the CLI's `eval`).</summary>
public sealed record EvalOptions
{
    /// <summary>Members to evaluate; null: bit widths 8..1 (a file holds no full-precision member).</summary>
    public IReadOnlyList<Precision>? Members { get; init; }
    /// <summary>Deployments; null: both (Quantize, Truncate).</summary>
    public IReadOnlyList<WeightDeployment>? Deployments { get; init; }
    public int Threads { get; init; }
    public int BatchSize { get; init; } = 256;
    /// <summary>Use only the first N test samples.</summary>
    public int? Limit { get; init; }
}

/// <summary>
/// Fake-quant accuracy of a model in the TruncQuant ONNX profile, per weight bit width and
/// deployment, on a test set: what the CLI's `eval` prints beside the integer Program's figures.
/// <code>
/// var graph = OnnxReader.Read("model.onnx");
/// var test = DataSets.Load("mnist").Test;
/// EvalResult r = ModelEvaluation.Evaluate(graph, test, new EvalOptions { Threads = 2 });
/// </code>
/// </summary>
public static class ModelEvaluation
{
    /// <exception cref="UnsupportedModelException">The model uses an operator or form the trainer cannot run.</exception>
    /// <exception cref="DataSetMismatchException">The data set's shape or class count does not fit the model.</exception>
    public static EvalResult Evaluate(ModelGraph graph, Dataset test, EvalOptions options)
    {
        var model = OnnxImport.ToNetwork(graph);
        var input = model.Network.Input;
        if (input.Channels != test.Channels || input.Height != test.Height || input.Width != test.Width || input.Classes < test.Classes)
        {
            throw new DataSetMismatchException(
                $"the model takes [{input.Channels}, {input.Height}, {input.Width}] with {input.Classes} classes; " +
                $"{test.Name} has [{test.Channels}, {test.Height}, {test.Width}] with {test.Classes}");
        }
        var data = options.Limit is { } n ? test.Take(n) : test;
        var members = options.Members ?? Enumerable.Range(1, 8).Reverse().Select(Precision.Of).ToList();
        var deployments = options.Deployments ?? [WeightDeployment.Quantize, WeightDeployment.Truncate];
        return new Evaluator(new ComputeContext(options.Threads), options.BatchSize).Evaluate(model.Network, data, members, deployments);
    }
}
