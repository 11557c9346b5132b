using TruncEdge.Compiler;
using TruncEdge.Toolchain.Workflow;

namespace TruncEdge.Toolchain.Evaluation;

/// <summary>Top-1 accuracy of the deployed integer Program at one weight bit width.</summary>
public sealed record BitWidthAccuracy(int Bits, int Correct, int Count)
{
    public double Accuracy => Count == 0 ? 0 : (double)Correct / Count;
}

/// <summary>
/// Accuracy of the integer Program as deployed: the emitted C, built for the host (which
/// `verify` proves bit-exact with the C# reference and with every QEMU target), run on a
/// labelled test set at each weight bit width; the prediction is the argmax of the outputs.
/// </summary>
public sealed class ProgramAccuracy(TargetCatalog catalog)
{
    public IReadOnlyList<BitWidthAccuracy> Measure(CompiledModel model, IReadOnlyList<byte[]> inputs, IReadOnlyList<int> labels,
        IReadOnlyList<int> bits, IProgress<int>? progress = null, int chunk = 2000)
    {
        if (inputs.Count != labels.Count) throw new ArgumentException("one label per input");
        using var build = new Workbench(catalog).Build(model, catalog.Get("host"));
        var correct = new int[bits.Count];
        for (var start = 0; start < inputs.Count; start += chunk)
        {
            var n = Math.Min(chunk, inputs.Count - start);
            var run = build.Run(inputs.Skip(start).Take(n).ToList(), bits, timeout: TimeSpan.FromMinutes(10));
            for (var i = 0; i < n; i++)
                for (var b = 0; b < bits.Count; b++)
                {
                    var o = run.Outputs[i][b];
                    if (Array.IndexOf(o, o.Max()) == labels[start + i]) correct[b]++;
                }
            progress?.Report(start + n);
        }
        return bits.Select((k, b) => new BitWidthAccuracy(k, correct[b], inputs.Count)).ToList();
    }
}
