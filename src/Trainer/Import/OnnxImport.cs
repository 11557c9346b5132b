using TruncEdge.Model.Graph;
using TruncEdge.Model.TruncQuant;
using TruncEdge.Trainer.Layers;
using TruncEdge.Trainer.Quantization;
using TruncEdge.Trainer.Zoo;

namespace TruncEdge.Trainer.Import;

/// <summary>A model file is outside what the trainer can run (the message names the file and node).</summary>
public sealed class UnsupportedModelException(string message) : Exception(message);

/// <summary>A network read from a TruncQuant-profile ONNX model, with the profile's metadata.</summary>
public sealed record ImportedModel(Network Network, TruncQuantMetadata Metadata);

/// <summary>
/// Rebuilds a trainable <see cref="Network"/> from a model in the TruncQuant ONNX profile
/// (docs/model-format.md), so the fake-quant evaluation (and BatchNorm calibration or fine-tuning)
/// can run on any model.onnx, not only on the trainer's own in-memory networks. Supported: the
/// uint8 or float input form, Conv (no bias), Gemm (transB 0 or 1) and MatMul(+Add), switchable
/// BatchNormalization, Clip/QuantizeLinear/DequantizeLinear activation quantizers (a Relu in front
/// of one is absorbed), MaxPool, AveragePool, GlobalAveragePool, Add, Flatten and Reshape to
/// [N, features]. The first and the last weight layer are pinned at 8 bits, as the compiler does.
/// Weight codes are recomputed from the latent weights with WeightCodes (identical to the
/// precomputed W.tq_codes of models the trainer wrote).
/// </summary>
public static class OnnxImport
{
    public static ImportedModel ToNetwork(ModelGraph graph)
    {
        var meta = TruncQuantMetadata.Read(graph);
        var builder = new GraphBuilder(graph, meta);
        return new ImportedModel(builder.Build(), meta);
    }

    private sealed class GraphBuilder(ModelGraph graph, TruncQuantMetadata meta)
    {
        private readonly Dictionary<string, int> _value = new(StringComparer.Ordinal);
        private readonly Dictionary<string, long[]> _shape = new(StringComparer.Ordinal);
        private readonly List<GraphLayer.Step> _steps = [];
        private readonly HashSet<string> _absorbed = new(StringComparer.Ordinal);
        private int _next;

        private string File => graph.SourceFile ?? "model";

        public Network Build()
        {
            if (graph.Inputs.Count != 1 || graph.Inputs[0].Shape.Length != 4)
            {
                throw Fail(null, $"expected one input [1, C, H, W], found {graph.Inputs.Count} inputs");
            }
            if (graph.Outputs.Count != 1)
            {
                throw Fail(null, $"expected one output (the logits), found {graph.Outputs.Count}");
            }
            var input = graph.Inputs[0];
            int c = (int)input.Shape[1], h = (int)input.Shape[2], w = (int)input.Shape[3];
            _value[input.Name] = _next++;
            _shape[input.Name] = [1, c, h, w];
            var weightNodes = graph.Nodes.Where(n => n.OpType is "Conv" or "Gemm" or "MatMul").ToList();
            string? first = weightNodes.FirstOrDefault()?.Name, last = weightNodes.LastOrDefault()?.Name;
            int actBits = meta.ActivationBits ?? 8;
            bool inputQuantizerSeen = false;
            for (int i = 0; i < graph.Nodes.Count; i++)
            {
                var node = graph.Nodes[i];
                if (_absorbed.Contains(node.Name + "\u0001" + i))
                {
                    continue;
                }
                switch (node.OpType)
                {
                    case "DequantizeLinear" when node.Inputs[0] == input.Name:
                        Alias(node.Outputs[0], node.Inputs[0]);
                        break;
                    case "Conv":
                        AddConv(node, node.Name == first || node.Name == last);
                        break;
                    case "Gemm":
                    case "MatMul":
                        AddDense(node, i, node.Name == first || node.Name == last);
                        break;
                    case "BatchNormalization":
                        AddBatchNorm(node);
                        break;
                    case "Relu":
                    case "Clip":
                    case "QuantizeLinear":
                    {
                        var (bits, output, consumed) = ActivationPattern(i);
                        foreach (int j in consumed)
                        {
                            _absorbed.Add(graph.Nodes[j].Name + "\u0001" + j);
                        }
                        if (!inputQuantizerSeen && node.Inputs[0] == input.Name)
                        {
                            // The float input form: values arrive as code / 255 already.
                            inputQuantizerSeen = true;
                            Alias(output, node.Inputs[0]);
                            break;
                        }
                        Single(new ActivationQuantizer(Name(node), bits), node.Inputs[0], output, Shape(node.Inputs[0]));
                        break;
                    }
                    case "MaxPool":
                    case "AveragePool":
                        AddPool(node);
                        break;
                    case "GlobalAveragePool":
                    {
                        var s = Shape(node.Inputs[0]);
                        Single(new GlobalAvgPool(Name(node)), node.Inputs[0], node.Outputs[0], [s[0], s[1], 1, 1]);
                        break;
                    }
                    case "Flatten":
                    case "Reshape":
                    {
                        var s = Shape(node.Inputs[0]);
                        if (node.OpType == "Flatten" && node.GetInt("axis", 1) != 1)
                        {
                            throw Fail(node, "Flatten must have axis = 1");
                        }
                        long f = s.Skip(1).Aggregate(1L, (a, d) => a * d);
                        Single(new Flatten(Name(node)), node.Inputs[0], node.Outputs[0], [1, f]);
                        break;
                    }
                    case "Add":
                        AddAdd(node);
                        break;
                    default:
                        throw Fail(node, $"operator {node.OpType} is not supported by the trainer");
                }
            }
            string outName = graph.Outputs[0].Name;
            if (!_value.TryGetValue(outName, out int outValue))
            {
                throw Fail(null, $"the output '{outName}' is not computed");
            }
            var outShape = Shape(outName);
            if (outShape.Length != 2)
            {
                throw Fail(null, $"the output must be [1, classes] logits; it is [{string.Join(",", outShape)}]");
            }
            var root = new GraphLayer(graph.Name, _steps, _next, outValue);
            return new Network(graph.Name, root, new InputShape(c, h, w, (int)outShape[1]), actBits, meta.WeightQuantizer);
        }

        private void AddConv(Node node, bool pinned)
        {
            var s = Shape(node.Inputs[0]);
            var wt = Initializer(node, node.Inputs[1]);
            if (node.Inputs.Count > 2 && node.Inputs[2].Length > 0)
            {
                throw Fail(node, "Conv with a bias is not supported by the trainer (the profile's zoo models have none)");
            }
            var k = node.GetInts("kernel_shape") ?? [wt.Dims[2], wt.Dims[3]];
            var st = node.GetInts("strides") ?? [1, 1];
            var pads = node.GetInts("pads") ?? [0, 0, 0, 0];
            var dil = node.GetInts("dilations") ?? [1, 1];
            if (dil.Any(d => d != 1) || (node.GetString("auto_pad") ?? "NOTSET") != "NOTSET")
            {
                throw Fail(node, "dilations must be 1 and pads explicit");
            }
            int groups = (int)node.GetInt("group", 1);
            var spec = new ConvSpec((int)s[1], (int)wt.Dims[0], (int)k[0], (int)k[1], (int)st[0], (int)st[1],
                (int)pads[0], (int)pads[1], (int)pads[2], (int)pads[3], groups);
            var conv = new Conv2d(Name(node), spec, meta.WeightQuantizer, pinned);
            Load(conv.Weight, wt, node);
            var g = conv.Geometry(1, (int)s[2], (int)s[3]);
            Single(conv, node.Inputs[0], node.Outputs[0], [1, spec.OutChannels, g.OutHeight, g.OutWidth]);
        }

        private void AddDense(Node node, int index, bool pinned)
        {
            var s = Shape(node.Inputs[0]);
            if (s.Length != 2)
            {
                throw Fail(node, "a dense layer needs a [N, features] input (Flatten first)");
            }
            var wt = Initializer(node, node.Inputs[1]);
            bool transposed = node.OpType == "Gemm" && node.GetInt("transB", 0) == 1;
            if (node.OpType == "Gemm" && (node.GetInt("transA", 0) != 0 || node.GetFloat("alpha", 1f) != 1f || node.GetFloat("beta", 1f) != 1f))
            {
                throw Fail(node, "Gemm must have transA = 0 and alpha = beta = 1");
            }
            int inF = (int)s[1], outF = (int)(transposed ? wt.Dims[0] : wt.Dims[1]);
            string output = node.Outputs[0];
            TensorData? bias = node.OpType == "Gemm" && node.Inputs.Count > 2 && node.Inputs[2].Length > 0
                ? Initializer(node, node.Inputs[2]) : null;
            if (node.OpType == "MatMul" && index + 1 < graph.Nodes.Count && graph.Nodes[index + 1] is { OpType: "Add" } add
                && add.Inputs.Contains(output) && add.Inputs.FirstOrDefault(x => x != output) is { } b && graph.FindInitializer(b) is { } bt)
            {
                bias = bt;
                output = add.Outputs[0];
                _absorbed.Add(add.Name + "\u0001" + (index + 1));
            }
            var dense = new Dense(Name(node), inF, outF, bias is not null, meta.WeightQuantizer, pinned);
            var values = wt.AsDoubles();
            for (int o = 0; o < outF; o++)
            {
                for (int f = 0; f < inF; f++)
                {
                    dense.Weight.Value[o * inF + f] = (float)(transposed ? values[o * inF + f] : values[f * outF + o]);
                }
            }
            dense.Weight.MarkChanged();
            if (bias is not null)
            {
                Load(dense.Bias!, bias, node);
            }
            Single(dense, node.Inputs[0], output, [1, outF]);
        }

        private void AddBatchNorm(Node node)
        {
            var s = Shape(node.Inputs[0]);
            int channels = (int)s[1];
            var bn = new BatchNorm(Name(node), channels, shared: false);
            var fallback = TruncQuantProfile.GetBatchNormParams(graph, node, 8);
            var variants = TruncQuantProfile.GetBatchNormVariantBits(graph, node);
            if (Math.Abs(node.GetFloat("epsilon", 1e-5f) - BatchNorm.Epsilon) > 1e-9)
            {
                throw Fail(node, $"BatchNorm epsilon {node.GetFloat("epsilon", 1e-5f)} differs from the trainer's {BatchNorm.Epsilon}");
            }
            foreach (var p in Precision.All)
            {
                var prm = !p.IsFull && variants.Contains(p.Bits) ? TruncQuantProfile.GetBatchNormParams(graph, node, p.Bits) : fallback;
                var st = bn.State(p);
                prm.Gamma.CopyTo(st.Gamma.Value, 0);
                prm.Beta.CopyTo(st.Beta.Value, 0);
                prm.Mean.CopyTo(st.RunningMean, 0);
                prm.Var.CopyTo(st.RunningVar, 0);
                st.Gamma.MarkChanged();
                st.Beta.MarkChanged();
            }
            Single(bn, node.Inputs[0], node.Outputs[0], s);
        }

        /// <summary>[Relu] -> [Clip(0,1)] -> QuantizeLinear -> DequantizeLinear starting at node i:
        /// the bits, the final output and the node indices consumed.</summary>
        private (int Bits, string Output, List<int> Consumed) ActivationPattern(int i)
        {
            var consumed = new List<int>();
            var node = graph.Nodes[i];
            int j = i;
            string current = node.Inputs[0];
            if (graph.Nodes[j].OpType == "Relu")
            {
                consumed.Add(j);
                current = graph.Nodes[j].Outputs[0];
                j++;
            }
            if (j < graph.Nodes.Count && graph.Nodes[j].OpType == "Clip" && graph.Nodes[j].Inputs[0] == current)
            {
                consumed.Add(j);
                current = graph.Nodes[j].Outputs[0];
                j++;
            }
            if (j + 1 < graph.Nodes.Count && graph.Nodes[j].OpType == "QuantizeLinear" && graph.Nodes[j].Inputs[0] == current
                && graph.Nodes[j + 1].OpType == "DequantizeLinear" && graph.Nodes[j + 1].Inputs[0] == graph.Nodes[j].Outputs[0]
                && ActivationQuantization.TryGetBits(graph, graph.Nodes[j]) is { } bits)
            {
                consumed.Add(j);
                consumed.Add(j + 1);
                return (bits, graph.Nodes[j + 1].Outputs[0], consumed);
            }
            throw Fail(node, "expected the activation quantizer [Relu] -> Clip(0, 1) -> QuantizeLinear -> DequantizeLinear");
        }

        private void AddPool(Node node)
        {
            var s = Shape(node.Inputs[0]);
            var k = node.GetInts("kernel_shape") ?? throw Fail(node, "kernel_shape is required");
            var st = node.GetInts("strides") ?? [1, 1];
            var pads = node.GetInts("pads") ?? [0, 0, 0, 0];
            if (node.GetInt("ceil_mode", 0) != 0)
            {
                throw Fail(node, "ceil_mode must be 0");
            }
            var spec = new PoolSpec((int)k[0], (int)k[1], (int)st[0], (int)st[1], (int)pads[0], (int)pads[1], (int)pads[2], (int)pads[3]);
            Layer layer = node.OpType == "MaxPool"
                ? new MaxPool2d(Name(node), spec)
                : new AvgPool2d(Name(node), spec, node.GetInt("count_include_pad", 0) == 1);
            int oh = (int)((s[2] + spec.PadTop + spec.PadBottom - spec.KernelH) / spec.StrideH + 1);
            int ow = (int)((s[3] + spec.PadLeft + spec.PadRight - spec.KernelW) / spec.StrideW + 1);
            Single(layer, node.Inputs[0], node.Outputs[0], [s[0], s[1], oh, ow]);
        }

        private void AddAdd(Node node)
        {
            if (node.Inputs.Count != 2 || !_value.ContainsKey(node.Inputs[0]) || !_value.ContainsKey(node.Inputs[1]))
            {
                throw Fail(node, "Add must add two computed values (a residual connection)");
            }
            var s = Shape(node.Inputs[0]);
            if (!s.SequenceEqual(Shape(node.Inputs[1])))
            {
                throw Fail(node, "Add needs two values of the same shape");
            }
            int output = _next++;
            _steps.Add(new GraphLayer.Step(null, [_value[node.Inputs[0]], _value[node.Inputs[1]]], output));
            _value[node.Outputs[0]] = output;
            _shape[node.Outputs[0]] = s;
        }

        private void Single(Layer layer, string input, string output, long[] shape)
        {
            if (!_value.TryGetValue(input, out int v))
            {
                throw Fail(null, $"value '{input}' (input of {layer.Name}) is not computed by a supported node");
            }
            int o = _next++;
            _steps.Add(new GraphLayer.Step(layer, [v], o));
            _value[output] = o;
            _shape[output] = shape;
        }

        private void Alias(string output, string input)
        {
            _value[output] = _value[input];
            _shape[output] = _shape[input];
        }

        private long[] Shape(string value) =>
            _shape.TryGetValue(value, out var s) ? s : throw Fail(null, $"value '{value}' is not computed by a supported node");

        private TensorData Initializer(Node node, string name) =>
            graph.FindInitializer(name) ?? throw Fail(node, $"'{name}' must be an initializer");

        private void Load(Parameter p, TensorData t, Node node)
        {
            var v = t.AsDoubles();
            if (v.Length != p.Length)
            {
                throw Fail(node, $"'{t.Name}' has {v.Length} values, expected {p.Length}");
            }
            for (int i = 0; i < v.Length; i++)
            {
                p.Value[i] = (float)v[i];
            }
            p.MarkChanged();
        }

        private static string Name(Node node) => node.Name.Length > 0 ? node.Name : node.Outputs[0];

        private UnsupportedModelException Fail(Node? node, string message) =>
            new($"{File}{(node is null ? "" : $": node {node.Label}")}: {message}");
    }
}
