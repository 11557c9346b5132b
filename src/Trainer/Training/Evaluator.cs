using TruncEdge.Model.TruncQuant;
using TruncEdge.Trainer.Data;
using TruncEdge.Trainer.Layers;
using TruncEdge.Trainer.Losses;
using TruncEdge.Trainer.Quantization;
using TruncEdge.Trainer.Tensors;
using TruncEdge.Trainer.Zoo;

namespace TruncEdge.Trainer.Training;

/// <summary>Fake-quant evaluation of a network on a data set (inference mode, running BatchNorm statistics).</summary>
public sealed class Evaluator
{
    private readonly ComputeContext _compute;
    private readonly int _batchSize;
    private readonly BatchAssembler _assembler = new();

    public Evaluator(ComputeContext compute, int batchSize = 256)
    {
        _compute = compute;
        _batchSize = batchSize;
    }

    /// <summary>Every member in <paramref name="members"/> with each deployment. For a TruncQuant
    /// model Truncate is Quantize by construction and is copied rather than recomputed.</summary>
    public EvalResult Evaluate(Network net, Dataset data, IEnumerable<Precision> members, IEnumerable<WeightDeployment> deployments)
    {
        var rows = new List<EvalRow>();
        var ds = deployments.ToList();
        foreach (var p in members)
        {
            EvalRow? quant = null;
            foreach (var d in ds)
            {
                bool same = p.IsFull || p.Bits == 8 || net.Quantizer == WeightQuantizer.TruncQuant;
                if (d == WeightDeployment.Truncate && same && quant is not null)
                {
                    rows.Add(quant with { Deployment = d });
                    continue;
                }
                var row = EvaluateOne(net, data, p, d);
                rows.Add(row);
                if (d == WeightDeployment.Quantize)
                {
                    quant = row;
                }
            }
        }
        return new EvalResult(rows);
    }

    public EvalRow EvaluateOne(Network net, Dataset data, Precision p, WeightDeployment d)
    {
        var ctx = new PassContext(_compute, p, training: false, d);
        int correct = 0;
        double loss = 0;
        int k = data.Classes;
        var grad = new float[k * _batchSize];
        var probs = new float[k * _batchSize];
        var all = Enumerable.Range(0, data.Count).ToArray();
        for (int s = 0; s < data.Count; s += _batchSize)
        {
            int n = Math.Min(_batchSize, data.Count - s);
            var (x, labels) = _assembler.Assemble(_compute, data, all.AsSpan(s, n), Augmentation.None, null);
            var logits = net.Forward(x, ctx);
            var r = CrossEntropy.Hard(logits, labels, grad, probs);
            correct += r.Correct;
            loss += r.Loss * n;
        }
        return new EvalRow(p, d, correct, data.Count, data.Count == 0 ? 0 : loss / data.Count);
    }
}
