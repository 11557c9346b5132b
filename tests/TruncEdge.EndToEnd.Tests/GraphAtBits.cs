using TruncEdge.Model.Graph;
using TruncEdge.Model.TruncQuant;

namespace TruncEdge.EndToEnd.Tests;

/// <summary>
/// A TruncQuant-profile graph as the plain float ONNX model it stands for at one set of weight
/// bit widths: each weight initializer replaced by its real weights E * s / (2^k - 1) at its
/// layer's k, each BatchNorm's inputs by that k's parameters, and every quantized value (each
/// QuantizeLinear and MaxPool output) made a graph output, so that any ONNX executor can run
/// it and show its codes. With <paramref name="cut"/>, every QuantizeLinear output T (but the
/// model input's) is also cut from its consumers: they read a new uint8 graph input
/// <see cref="Fed"/>(T) instead, so that an executor computes each quantized tensor from codes the
/// caller feeds (the integer Program's), one op at a time, and the float value before each
/// QuantizeLinear is an output as well (<see cref="BeforeRounding"/>).
/// </summary>
internal static class GraphAtBits
{
    public static string Fed(string value) => value + "__fed";

    public static string BeforeRounding(Node quantizer) => quantizer.Inputs[0];

    /// <param name="cut">NCHW shape of each QuantizeLinear output to cut, by name; null cuts none.</param>
    public static ModelGraph Make(ModelGraph graph, Func<string, int> bitsFor, IReadOnlyDictionary<string, long[]>? cut = null)
    {
        var reference = new FloatReference(graph);
        var g = new ModelGraph { Name = graph.Name, OpsetVersion = graph.OpsetVersion };
        g.Inputs.AddRange(graph.Inputs);
        g.Outputs.AddRange(graph.Outputs);
        foreach (var n in graph.Nodes)
        {
            var inputs = n.Inputs.Select(i => cut is not null && cut.ContainsKey(i) ? Fed(i) : i).ToList();
            g.Nodes.Add(new Node(n.Name, n.OpType, inputs, n.Outputs, n.Attributes));
        }
        foreach (var (name, shape) in cut ?? new Dictionary<string, long[]>())
            g.Inputs.Add(new ValueInfo(Fed(name), DataType.UInt8, shape));
        foreach (var (name, t) in graph.Initializers) g.Initializers[name] = t;
        foreach (var n in graph.Nodes)
        {
            if (n.OpType is "Conv" or "Gemm" or "MatMul")
            {
                var w = graph.Initializers[n.Inputs[1]];
                g.Initializers[w.Name] = TensorData.FromFloats(w.Name, w.Dims,
                    reference.RealWeights(w.Name, bitsFor(n.Name)).Select(v => (float)v).ToArray());
            }
            else if (n.OpType == "BatchNormalization")
            {
                var p = TruncQuantProfile.GetBatchNormParams(graph, n, bitsFor(reference.Producer(n.Inputs[0])));
                float[][] values = [p.Gamma, p.Beta, p.Mean, p.Var];
                for (var i = 0; i < 4; i++)
                    g.Initializers[n.Inputs[1 + i]] = TensorData.FromFloats(n.Inputs[1 + i], [values[i].Length], values[i]);
            }
        }
        void Output(string name, DataType type)
        {
            if (g.Outputs.All(o => o.Name != name) && g.Inputs.All(i => i.Name != name)) g.Outputs.Add(new ValueInfo(name, type, []));
        }
        foreach (var n in graph.Nodes.Where(n => n.OpType is "QuantizeLinear" or "MaxPool"))
        {
            Output(n.Outputs[0], n.OpType == "QuantizeLinear" ? DataType.UInt8 : DataType.Float);
            if (cut is not null && n.OpType == "QuantizeLinear" && cut.ContainsKey(n.Outputs[0])) Output(BeforeRounding(n), DataType.Float);
        }
        return g;
    }
}
