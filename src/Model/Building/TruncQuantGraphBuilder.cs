using TruncEdge.Model.Graph;
using TruncEdge.Model.TruncQuant;

namespace TruncEdge.Model.Building;

/// <summary>
/// Builds a <see cref="ModelGraph"/> in the TruncQuant ONNX profile (docs/model-format.md),
/// NCHW, batch 1, opset 13, with deterministic names. Used by tests, by the trainer's exporter
/// and by the compiler's random-model tests.
///
/// <code>
/// var b = new TruncQuantGraphBuilder("mlp", WeightQuantizer.TruncQuant, trainedBits: [1, 2, 4, 8], activationBits: 4);
/// var x = b.InputU8(1, 28, 28);
/// x = b.Flatten(x);
/// x = b.Gemm(x, w1, 64);
/// x = b.BatchNorm(x, bn1);
/// x = b.ActQuant(x);
/// x = b.Gemm(x, w2, 10, bias2);
/// ModelGraph g = b.Build(x);
/// </code>
///
/// Every method takes a value name and returns the name of the value it produces. Layers are
/// named "&lt;kind&gt;&lt;n&gt;" with one counter per kind (conv0, conv1, bn0, aq0, ...; a layer given
/// its own name does not advance the counter); the value a layer produces carries the layer's name, and its initializers are
/// "&lt;layer&gt;.weight", "&lt;layer&gt;.bias" (BatchNorm: also ".running_mean", ".running_var"; the
/// PyTorch names). Every shape is known at build time, so misuse (wrong weight count, a kernel
/// larger than its input) throws <see cref="ArgumentException"/> at the call that caused it.
/// A builder builds one graph: after <see cref="Build"/> it refuses further calls.
/// </summary>
public sealed class TruncQuantGraphBuilder
{
    private readonly ModelGraph graph;
    private readonly TruncQuantMetadata metadata;
    private readonly Dictionary<string, (long[] Shape, DataType Type)> values = new(StringComparer.Ordinal);
    private readonly HashSet<string> usedNames = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> counters = new(StringComparer.Ordinal);
    private bool built;

    /// <param name="name">The graph name.</param>
    /// <param name="quantizer">The weight quantizer the model was trained with.</param>
    /// <param name="trainedBits">Trained weight bit widths, ascending (truncquant.weight_bits).</param>
    /// <param name="activationBits">Default activation bits for <see cref="ActQuant"/> (truncquant.activation_bits).</param>
    /// <param name="calibratedBits">Bit widths whose BatchNorm was calibrated after training, if any.</param>
    public TruncQuantGraphBuilder(string name, WeightQuantizer quantizer, IReadOnlyList<int> trainedBits, int activationBits,
        IReadOnlyList<int>? calibratedBits = null)
    {
        metadata = new TruncQuantMetadata(quantizer, trainedBits, activationBits, calibratedBits);
        graph = new ModelGraph { Name = name };
    }

    /// <summary>The NCHW (or [N, features]) shape of a value built so far.</summary>
    public IReadOnlyList<long> ShapeOf(string value) => Value(value).Shape;

    /// <summary>
    /// The model input as the profile prefers it: a uint8 tensor [1, C, H, W] of codes, then
    /// DequantizeLinear with scale 1/255 and zero point 0. Returns the dequantized value.
    /// </summary>
    public string InputU8(int channels, int height, int width, string name = "input")
    {
        AddInput(name, DataType.UInt8, channels, height, width);
        var scale = AddScalar($"{name}.scale", ActivationQuantization.Scale(8));
        var zeroPoint = AddZeroPoint($"{name}.zero_point");
        return AddNode($"{name}.dequantize", "DequantizeLinear", [name, scale, zeroPoint], Value(name).Shape, DataType.Float);
    }

    /// <summary>
    /// The model input as torch.onnx.export writes it for a model that fake-quantizes its input:
    /// a float tensor [1, C, H, W] followed by the 8-bit activation quantizer (layer
    /// "&lt;name&gt;.quant"). Returns the quantizer's output.
    /// </summary>
    public string InputFloat(int channels, int height, int width, string name = "input")
    {
        AddInput(name, DataType.Float, channels, height, width);
        return ActQuant(name, 8, clip: true, name: $"{name}.quant");
    }

    /// <summary>
    /// Conv over an NCHW value. <paramref name="weights"/> are the latent float weights in ONNX
    /// order [outChannels, inChannels / groups, kernelH, kernelW]. Stride defaults to (1, 1),
    /// pads (top, left, bottom, right) to 0; groups = inChannels = outChannels is depthwise.
    /// </summary>
    public string Conv(string x, float[] weights, int outChannels, int kernelH, int kernelW, (int H, int W)? stride = null,
        (int Top, int Left, int Bottom, int Right)? pads = null, int groups = 1, float[]? bias = null, string? name = null)
    {
        var (n, c, h, w) = Nchw(x);
        if (groups < 1 || c % groups != 0 || outChannels % groups != 0)
            throw new ArgumentException($"groups {groups} must divide the input channels {c} and the output channels {outChannels}", nameof(groups));
        var layer = LayerName("conv", name);
        var weightName = AddFloats($"{layer}.weight", [outChannels, c / groups, kernelH, kernelW], weights, nameof(weights));
        var inputs = new List<string> { x, weightName };
        if (bias is not null)
            inputs.Add(AddFloats($"{layer}.bias", [outChannels], bias, nameof(bias)));
        var (s, p) = (stride ?? (1, 1), pads ?? (0, 0, 0, 0));
        var (oh, ow) = WindowOutput(h, w, kernelH, kernelW, s, p, isPool: false);
        return AddNode(layer, "Conv", inputs, [n, outChannels, oh, ow], DataType.Float, new()
        {
            ["dilations"] = AttributeValue.Of(1L, 1L),
            ["group"] = AttributeValue.Of((long)groups),
            ["kernel_shape"] = AttributeValue.Of(kernelH, (long)kernelW),
            ["pads"] = AttributeValue.Of(p.Top, p.Left, p.Bottom, (long)p.Right),
            ["strides"] = AttributeValue.Of(s.H, (long)s.W),
        });
    }

    /// <summary>Gemm(x, W^T, bias) over a [N, in] value, with W [outFeatures, in] (transB = 1,
    /// alpha = beta = 1), the way PyTorch's Linear exports.</summary>
    public string Gemm(string x, float[] weights, int outFeatures, float[]? bias = null, string? name = null)
    {
        var (n, inFeatures) = Rank2(x);
        var layer = LayerName("gemm", name);
        var inputs = new List<string> { x, AddFloats($"{layer}.weight", [outFeatures, inFeatures], weights, nameof(weights)) };
        if (bias is not null)
            inputs.Add(AddFloats($"{layer}.bias", [outFeatures], bias, nameof(bias)));
        return AddNode(layer, "Gemm", inputs, [n, outFeatures], DataType.Float, new()
        {
            ["alpha"] = AttributeValue.Of(1f),
            ["beta"] = AttributeValue.Of(1f),
            ["transB"] = AttributeValue.Of(1L),
        });
    }

    /// <summary>MatMul(x, W) then Add(bias) over a [N, in] value, with W [in, outFeatures]: the
    /// other way exporters write a dense layer. The MatMul is "&lt;layer&gt;.matmul" when a bias follows.</summary>
    public string MatMulAdd(string x, float[] weights, int outFeatures, float[]? bias = null, string? name = null)
    {
        var (n, inFeatures) = Rank2(x);
        var layer = LayerName("matmul", name);
        var weightName = AddFloats($"{layer}.weight", [inFeatures, outFeatures], weights, nameof(weights));
        if (bias is null)
            return AddNode(layer, "MatMul", [x, weightName], [n, outFeatures], DataType.Float);
        var product = AddNode($"{layer}.matmul", "MatMul", [x, weightName], [n, outFeatures], DataType.Float);
        var biasName = AddFloats($"{layer}.bias", [outFeatures], bias, nameof(bias));
        return AddNode(layer, "Add", [product, biasName], [n, outFeatures], DataType.Float);
    }

    /// <summary>
    /// Switchable BatchNorm over channel axis 1. <paramref name="fallback"/> is used at every bit
    /// width without a variant; <paramref name="perBits"/> adds "&lt;input&gt;.k&lt;k&gt;" variants. All
    /// must have the channel count of <paramref name="x"/> and the fallback's epsilon.
    /// </summary>
    public string BatchNorm(string x, BatchNormParams fallback, IReadOnlyDictionary<int, BatchNormParams>? perBits = null, string? name = null)
    {
        var shape = Value(x).Shape;
        if (shape.Length < 2)
            throw new ArgumentException($"BatchNorm needs a value with a channel axis; '{x}' has shape [{string.Join(",", shape)}]", nameof(x));
        CheckBatchNorm(fallback, shape[1], nameof(fallback), fallback.Epsilon);
        foreach (var (k, p) in perBits ?? new Dictionary<int, BatchNormParams>())
        {
            if (k is < 1 or > 8)
                throw new ArgumentException($"variant bit width {k} is not 1..8", nameof(perBits));
            CheckBatchNorm(p, shape[1], nameof(perBits), fallback.Epsilon);
        }

        var layer = LayerName("bn", name);
        string[] inputNames = [$"{layer}.weight", $"{layer}.bias", $"{layer}.running_mean", $"{layer}.running_var"];
        AddBatchNormTensors(inputNames, fallback, shape[1], null);
        foreach (var (k, p) in (perBits ?? new Dictionary<int, BatchNormParams>()).OrderBy(kv => kv.Key))
            AddBatchNormTensors(inputNames, p, shape[1], k);
        return AddNode(layer, TruncQuantProfile.BatchNormOp, [x, .. inputNames], shape, DataType.Float,
            new() { ["epsilon"] = AttributeValue.Of(fallback.Epsilon) });
    }

    /// <summary>
    /// The activation quantizer: Clip(0, 1) -> QuantizeLinear -> DequantizeLinear with scale
    /// 1 / (2^bits - 1) and zero point uint8 0. Bits default to the builder's activation bits.
    /// <paramref name="clip"/> = false leaves the Clip out, which the profile allows only at 8 bits
    /// or on values known to be in [0, 1]; the builder does not check that, so compiler tests
    /// can build the forbidden case too.
    /// </summary>
    public string ActQuant(string x, int? bits = null, bool clip = true, string? name = null)
    {
        var b = bits ?? metadata.ActivationBits ?? 8;
        var scaleValue = ActivationQuantization.Scale(b);
        var shape = Value(x).Shape;
        var layer = LayerName("aq", name);
        var input = x;
        if (clip)
        {
            var min = AddScalar($"{layer}.min", 0f);
            var max = AddScalar($"{layer}.max", 1f);
            input = AddNode($"{layer}.clip", "Clip", [x, min, max], shape, DataType.Float);
        }
        var scale = AddScalar($"{layer}.scale", scaleValue);
        var zeroPoint = AddZeroPoint($"{layer}.zero_point");
        var codes = AddNode($"{layer}.quantize", "QuantizeLinear", [input, scale, zeroPoint], shape, DataType.UInt8);
        return AddNode(layer, "DequantizeLinear", [codes, scale, zeroPoint], shape, DataType.Float);
    }

    public string Relu(string x, string? name = null) =>
        AddNode(LayerName("relu", name), "Relu", [x], Value(x).Shape, DataType.Float);

    /// <summary>MaxPool; stride defaults to the kernel size (PyTorch's default), pads to 0.</summary>
    public string MaxPool(string x, int kernelH, int kernelW, (int H, int W)? stride = null,
        (int Top, int Left, int Bottom, int Right)? pads = null, string? name = null) =>
        Pool("maxpool", "MaxPool", x, kernelH, kernelW, stride, pads, null, name);

    /// <summary>AveragePool; stride defaults to the kernel size, pads to 0. count_include_pad is always written.</summary>
    public string AveragePool(string x, int kernelH, int kernelW, (int H, int W)? stride = null,
        (int Top, int Left, int Bottom, int Right)? pads = null, bool countIncludePad = false, string? name = null) =>
        Pool("avgpool", "AveragePool", x, kernelH, kernelW, stride, pads, countIncludePad, name);

    public string GlobalAveragePool(string x, string? name = null)
    {
        var (n, c, _, _) = Nchw(x);
        return AddNode(LayerName("gap", name), "GlobalAveragePool", [x], [n, c, 1, 1], DataType.Float);
    }

    /// <summary>Elementwise Add of two values of the same shape (no broadcasting).</summary>
    public string Add(string a, string b, string? name = null)
    {
        var (sa, sb) = (Value(a).Shape, Value(b).Shape);
        if (!sa.SequenceEqual(sb))
            throw new ArgumentException($"Add needs equal shapes; '{a}' is [{string.Join(",", sa)}], '{b}' is [{string.Join(",", sb)}]");
        return AddNode(LayerName("add", name), "Add", [a, b], sa, DataType.Float);
    }

    /// <summary>Flatten with axis 1: [N, C, H, W] to [N, C*H*W].</summary>
    public string Flatten(string x, string? name = null)
    {
        var shape = Value(x).Shape;
        var features = shape.Skip(1).Aggregate(1L, (p, d) => p * d);
        return AddNode(LayerName("flatten", name), "Flatten", [x], [shape[0], features], DataType.Float,
            new() { ["axis"] = AttributeValue.Of(1L) });
    }

    /// <summary>Reshape to <paramref name="shape"/> (an INT64 initializer "&lt;layer&gt;.shape"); one
    /// dim may be -1. The profile uses it only as [1, -1] or [N, features].</summary>
    public string Reshape(string x, long[] shape, string? name = null)
    {
        var input = Value(x).Shape;
        var total = input.Aggregate(1L, (p, d) => p * d);
        var known = shape.Where(d => d != -1).Aggregate(1L, (p, d) => p * d);
        if (shape.Count(d => d == -1) > 1 || shape.Any(d => d is 0 or < -1) || known == 0 || total % known != 0
            || (!shape.Contains(-1) && known != total))
            throw new ArgumentException($"cannot reshape [{string.Join(",", input)}] to [{string.Join(",", shape)}]", nameof(shape));
        var layer = LayerName("reshape", name);
        var shapeName = Reserve($"{layer}.shape");
        graph.Initializers.Add(shapeName, TensorData.FromInt64s(shapeName, [shape.Length], (long[])shape.Clone()));
        var result = shape.Select(d => d == -1 ? total / known : d).ToArray();
        return AddNode(layer, "Reshape", [x, shapeName], result, DataType.Float);
    }

    /// <summary>
    /// Stores precomputed 8-bit codes and E for weight initializer <paramref name="weightName"/>
    /// ("&lt;W&gt;.tq_codes" UINT8 with W's dims, "&lt;W&gt;.tq_mean_abs" FLOAT scalar): the codes
    /// the trainer trained with, which the compiler then uses as they are.
    /// </summary>
    public void PrecomputedCodes(string weightName, byte[] codes, double meanAbs)
    {
        CheckNotBuilt();
        var weight = graph.FindInitializer(weightName)
            ?? throw new ArgumentException($"'{weightName}' is not a weight of this graph", nameof(weightName));
        if (codes.Length != weight.ElementCount)
            throw new ArgumentException($"'{weightName}' has {weight.ElementCount} weights, got {codes.Length} codes", nameof(codes));
        if (!(meanAbs >= 0) || !double.IsFinite(meanAbs))
            throw new ArgumentOutOfRangeException(nameof(meanAbs), meanAbs, "E is finite and >= 0");
        var codesName = Reserve(TruncQuantProfile.CodesName(weightName));
        var meanAbsName = Reserve(TruncQuantProfile.MeanAbsName(weightName));
        graph.Initializers.Add(codesName, TensorData.FromBytes(codesName, (long[])weight.Dims.Clone(), (byte[])codes.Clone()));
        graph.Initializers.Add(meanAbsName, TensorData.FromFloats(meanAbsName, [], [(float)meanAbs]));
    }

    /// <summary>Marks <paramref name="outputs"/> as the graph outputs, writes the truncquant.*
    /// metadata and returns the graph. Call once.</summary>
    public ModelGraph Build(params string[] outputs)
    {
        CheckNotBuilt();
        if (outputs.Length == 0)
            throw new ArgumentException("a graph needs at least one output", nameof(outputs));
        foreach (var output in outputs.Distinct(StringComparer.Ordinal))
        {
            var (shape, type) = Value(output);
            graph.Outputs.Add(new ValueInfo(output, type, (long[])shape.Clone()));
        }
        metadata.WriteTo(graph);
        built = true;
        return graph;
    }

    private string Pool(string kind, string opType, string x, int kernelH, int kernelW, (int H, int W)? stride,
        (int Top, int Left, int Bottom, int Right)? pads, bool? countIncludePad, string? name)
    {
        var (n, c, h, w) = Nchw(x);
        var (s, p) = (stride ?? (kernelH, kernelW), pads ?? (0, 0, 0, 0));
        var (oh, ow) = WindowOutput(h, w, kernelH, kernelW, s, p, isPool: true);
        var attributes = new Dictionary<string, AttributeValue>
        {
            ["kernel_shape"] = AttributeValue.Of(kernelH, (long)kernelW),
            ["pads"] = AttributeValue.Of(p.Top, p.Left, p.Bottom, (long)p.Right),
            ["strides"] = AttributeValue.Of(s.H, (long)s.W),
        };
        if (countIncludePad is { } include)
            attributes["count_include_pad"] = AttributeValue.Of(include ? 1L : 0L);
        return AddNode(LayerName(kind, name), opType, [x], [n, c, oh, ow], DataType.Float, attributes);
    }

    /// <summary>ONNX's output size with ceil_mode = 0: floor((in + pads - kernel) / stride) + 1.
    /// Pools also need pads smaller than the kernel, so that every window holds a real element.</summary>
    private static (long H, long W) WindowOutput(long h, long w, int kernelH, int kernelW, (int H, int W) stride,
        (int Top, int Left, int Bottom, int Right) pads, bool isPool)
    {
        if (kernelH < 1 || kernelW < 1 || stride.H < 1 || stride.W < 1)
            throw new ArgumentException("kernel sizes and strides must be positive");
        if (pads.Top < 0 || pads.Left < 0 || pads.Bottom < 0 || pads.Right < 0)
            throw new ArgumentException("pads must be >= 0");
        if (isPool && (pads.Top >= kernelH || pads.Bottom >= kernelH || pads.Left >= kernelW || pads.Right >= kernelW))
            throw new ArgumentException("pool pads must be smaller than the kernel");
        var (ph, pw) = (h + pads.Top + pads.Bottom, w + pads.Left + pads.Right);
        if (ph < kernelH || pw < kernelW)
            throw new ArgumentException($"a {kernelH}x{kernelW} kernel does not fit a padded {ph}x{pw} input");
        return ((ph - kernelH) / stride.H + 1, (pw - kernelW) / stride.W + 1);
    }

    private void AddInput(string name, DataType type, int channels, int height, int width)
    {
        CheckNotBuilt();
        if (graph.Inputs.Count > 0)
            throw new InvalidOperationException("the profile has one model input");
        if (channels < 1 || height < 1 || width < 1)
            throw new ArgumentException("input dims must be positive");
        long[] shape = [1, channels, height, width];
        graph.Inputs.Add(new ValueInfo(Reserve(name), type, shape));
        values.Add(name, (shape, type));
    }

    private string AddNode(string name, string opType, IReadOnlyList<string> inputs, long[] shape, DataType type,
        Dictionary<string, AttributeValue>? attributes = null)
    {
        CheckNotBuilt();
        graph.Nodes.Add(new Node(Reserve(name), opType, inputs.ToArray(), [name], attributes));
        values.Add(name, (shape, type));
        return name;
    }

    private void AddBatchNormTensors(string[] inputNames, BatchNormParams p, long channels, int? k)
    {
        float[][] arrays = [p.Gamma, p.Beta, p.Mean, p.Var];
        for (var j = 0; j < 4; j++)
        {
            var tensorName = k is { } bits ? TruncQuantProfile.VariantName(inputNames[j], bits) : inputNames[j];
            AddFloats(tensorName, [channels], arrays[j], "params");
        }
    }

    private static void CheckBatchNorm(BatchNormParams p, long channels, string paramName, float epsilon)
    {
        p.Validate(paramName);
        if (p.Channels != channels)
            throw new ArgumentException($"BatchNorm parameters have {p.Channels} channels; the input has {channels}", paramName);
        if (p.Epsilon != epsilon)
            throw new ArgumentException("every bit-width variant shares the node's epsilon", paramName);
    }

    private string AddFloats(string name, long[] dims, float[] values, string paramName)
    {
        var count = dims.Aggregate(1L, (p, d) => p * d);
        if (values.Length != count)
            throw new ArgumentException($"'{name}' [{string.Join(",", dims)}] needs {count} values, got {values.Length}", paramName);
        if (!values.All(float.IsFinite))
            throw new ArgumentException($"'{name}' holds NaN or an infinity", paramName);
        graph.Initializers.Add(Reserve(name), TensorData.FromFloats(name, dims, (float[])values.Clone()));
        return name;
    }

    private string AddScalar(string name, float value)
    {
        graph.Initializers.Add(Reserve(name), TensorData.FromFloats(name, [], [value]));
        return name;
    }

    private string AddZeroPoint(string name)
    {
        graph.Initializers.Add(Reserve(name), TensorData.FromBytes(name, [], [0]));
        return name;
    }

    private string LayerName(string kind, string? name)
    {
        CheckNotBuilt();
        if (name is not null)
            return name;
        var index = counters.GetValueOrDefault(kind);
        counters[kind] = index + 1;
        return $"{kind}{index}";
    }

    /// <summary>Claims a name for a value, initializer or node; ONNX needs them unique.</summary>
    private string Reserve(string name)
    {
        if (name.Length == 0 || !usedNames.Add(name))
            throw new ArgumentException($"the name '{name}' is empty or already used in this graph");
        return name;
    }

    private (long[] Shape, DataType Type) Value(string name) =>
        values.TryGetValue(name, out var v) ? v : throw new ArgumentException($"'{name}' is not a value of this graph");

    private (long N, long C, long H, long W) Nchw(string x)
    {
        var s = Value(x).Shape;
        return s.Length == 4 ? (s[0], s[1], s[2], s[3])
            : throw new ArgumentException($"'{x}' has shape [{string.Join(",", s)}]; expected NCHW", nameof(x));
    }

    private (long N, long Features) Rank2(string x)
    {
        var s = Value(x).Shape;
        return s.Length == 2 ? (s[0], s[1])
            : throw new ArgumentException($"'{x}' has shape [{string.Join(",", s)}]; expected [N, features] (Flatten first)", nameof(x));
    }

    private void CheckNotBuilt()
    {
        if (built)
            throw new InvalidOperationException("Build was called; a builder builds one graph");
    }
}
