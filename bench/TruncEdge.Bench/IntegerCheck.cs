using System.Globalization;
using TruncEdge.Compiler;
using TruncEdge.Compiler.Reference;
using TruncEdge.Model.Onnx;
using TruncEdge.Trainer.Data;
using TruncEdge.Trainer.Quantization;
using TruncEdge.Trainer.Training;

namespace TruncEdge.Bench;

/// <summary>
/// Fake-quant (trainer) against integer-Program (compiler's reference executor) accuracy of a
/// model file, per weight bit width, deployed by truncation:
///   truncedge-bench intcheck model.onnx data=mnist limit=2000
/// Also counts the samples whose predicted class differs between the two.
/// </summary>
internal static class IntegerCheck
{
    public static int Run(string path, Dictionary<string, string> kv)
    {
        var data = DataSets.Load(kv.TryGetValue("data", out var d) ? d : "mnist").Test;
        if (kv.TryGetValue("limit", out var l))
        {
            data = data.Take(int.Parse(l, CultureInfo.InvariantCulture));
        }
        var compiled = new ModelCompiler().CompileFile(path);
        var exec = new ReferenceExecutor(compiled.Program);
        var graph = OnnxReader.Read(path);
        var model = TruncEdge.Trainer.Import.OnnxImport.ToNetwork(graph);
        var evaluator = new Evaluator(new TruncEdge.Trainer.Tensors.ComputeContext(2));
        Console.WriteLine("| k | fake-quant % | integer Program % | difference (points) |");
        Console.WriteLine("|---|---|---|---|");
        for (int k = 8; k >= 1; k--)
        {
            var fq = evaluator.EvaluateOne(model.Network, data, Precision.Of(k), WeightDeployment.Truncate);
            var bits = BitWidths.All(compiled.Program, k);
            int correct = 0;
            var hwc = new byte[data.SampleSize];
            for (int i = 0; i < data.Count; i++)
            {
                data.CopySampleHwc(i, hwc);
                var o = exec.Run(hwc, bits).Output;
                int arg = 0;
                for (int j = 1; j < o.Length; j++)
                {
                    if (o[j] > o[arg])
                    {
                        arg = j;
                    }
                }
                correct += arg == data.Labels[i] ? 1 : 0;
            }
            double ia = 100.0 * correct / data.Count, fa = 100.0 * fq.Accuracy;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {k} | {fa:F2} | {ia:F2} | {ia - fa:+0.00;-0.00;0.00} |"));
        }
        return 0;
    }
}
