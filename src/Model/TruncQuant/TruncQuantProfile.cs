using TruncEdge.Model.Diagnostics;
using TruncEdge.Model.Graph;

namespace TruncEdge.Model.TruncQuant;

/// <summary>
/// The naming conventions of the TruncQuant ONNX profile (docs/model-format.md) and the
/// lookups built on them: precomputed weight codes (<c>W.tq_codes</c>, <c>W.tq_mean_abs</c>)
/// and per-bit-width BatchNorm variants (<c>&lt;input&gt;.k&lt;k&gt;</c>). Lookups validate what they
/// return; problems are <see cref="DiagnosticException"/>s naming the graph's file and the node.
/// </summary>
public static class TruncQuantProfile
{
    public const string CodesSuffix = ".tq_codes";
    public const string MeanAbsSuffix = ".tq_mean_abs";
    public const string BatchNormOp = "BatchNormalization";
    /// <summary>ONNX's default BatchNormalization epsilon.</summary>
    public const float DefaultEpsilon = 1e-5f;

    /// <summary>The initializer holding the precomputed 8-bit codes of weight <paramref name="weightName"/>.</summary>
    public static string CodesName(string weightName) => weightName + CodesSuffix;

    /// <summary>The initializer holding E of weight <paramref name="weightName"/>.</summary>
    public static string MeanAbsName(string weightName) => weightName + MeanAbsSuffix;

    /// <summary>The initializer holding BatchNorm input <paramref name="inputName"/> for weight bit width k,
    /// e.g. "bn1.weight.k4".</summary>
    public static string VariantName(string inputName, int k)
    {
        WeightCodes.CheckBits(k);
        return $"{inputName}.k{k}";
    }

    /// <summary>
    /// The precomputed codes of <paramref name="weightName"/>, or null when the model carries
    /// none. When present they are used as they are: they are the codes the trainer trained with.
    /// </summary>
    public static WeightCodeSet? TryGetPrecomputedCodes(ModelGraph graph, string weightName)
    {
        var codes = graph.FindInitializer(CodesName(weightName));
        var meanAbs = graph.FindInitializer(MeanAbsName(weightName));
        if (codes is null && meanAbs is null)
            return null;

        DiagnosticException Fail(string message) => new(ModelDiagnosticCodes.BadPrecomputedCodes, message, graph.SourceFile);

        if (codes is null || meanAbs is null)
            throw Fail($"weight '{weightName}' has '{(codes is null ? MeanAbsName(weightName) : CodesName(weightName))}' " +
                $"but not '{(codes is null ? CodesName(weightName) : MeanAbsName(weightName))}'; precomputed codes need both");
        var weight = graph.FindInitializer(weightName)
            ?? throw Fail($"'{CodesName(weightName)}' belongs to a weight '{weightName}' that is not an initializer");
        if (codes.Type != DataType.UInt8 || !codes.Dims.SequenceEqual(weight.Dims))
            throw Fail($"'{codes.Name}' must be UINT8 with the dims of '{weightName}' [{string.Join(",", weight.Dims)}]; " +
                $"it is {codes.Type} [{string.Join(",", codes.Dims)}]");
        if (meanAbs.Type is not (DataType.Float or DataType.Double) || meanAbs.ElementCount != 1)
            throw Fail($"'{meanAbs.Name}' must be a FLOAT scalar; it is {meanAbs.Type} [{string.Join(",", meanAbs.Dims)}]");
        var e = meanAbs.AsDoubles()[0];
        if (!(e >= 0) || !double.IsFinite(e))
            throw Fail($"'{meanAbs.Name}' is {e}; E = mean |w| is finite and >= 0");
        return new WeightCodeSet((byte[])codes.Bytes!.Clone(), e);
    }

    /// <summary>
    /// The codes of weight <paramref name="weightName"/>: the precomputed ones if the model has
    /// them, otherwise computed from the latent float weights with <see cref="WeightCodes.Compute"/>.
    /// </summary>
    public static WeightCodeSet GetWeightCodes(ModelGraph graph, string weightName, WeightQuantizer quantizer)
    {
        if (TryGetPrecomputedCodes(graph, weightName) is { } precomputed)
            return precomputed;
        var weight = graph.FindInitializer(weightName)
            ?? throw new DiagnosticException(ModelDiagnosticCodes.BadWeight, $"weight '{weightName}' is not an initializer", graph.SourceFile);
        if (weight.Type != DataType.Float || weight.ElementCount == 0)
            throw new DiagnosticException(ModelDiagnosticCodes.BadWeight,
                $"weight '{weightName}' must be a non-empty FLOAT tensor of latent weights; it is {weight.Type} [{string.Join(",", weight.Dims)}]",
                graph.SourceFile);
        return WeightCodes.Compute(weight.Floats, quantizer);
    }

    /// <summary>The bit widths for which <paramref name="bn"/> has its own variant, ascending.</summary>
    public static IReadOnlyList<int> GetBatchNormVariantBits(ModelGraph graph, Node bn)
    {
        var fallback = ReadParams(graph, bn, null);
        return Enumerable.Range(1, 8).Where(k => ReadVariant(graph, bn, k, fallback.Channels) is not null).ToArray();
    }

    /// <summary>
    /// The parameters <paramref name="bn"/> uses at weight bit width <paramref name="k"/>: its
    /// <c>.k&lt;k&gt;</c> variant if the model has one, otherwise the node's own inputs.
    /// Epsilon is the node's attribute (shared by every bit width).
    /// </summary>
    public static BatchNormParams GetBatchNormParams(ModelGraph graph, Node bn, int k)
    {
        WeightCodes.CheckBits(k);
        var fallback = ReadParams(graph, bn, null);
        return ReadVariant(graph, bn, k, fallback.Channels) ?? fallback;
    }

    /// <summary>
    /// True for initializers that belong to the profile rather than to an op input: precomputed
    /// codes and E, and BatchNorm variants. A compiler uses this to tell them from unused weights.
    /// </summary>
    public static bool IsProfileInitializer(ModelGraph graph, string name)
    {
        if (name.EndsWith(CodesSuffix, StringComparison.Ordinal) || name.EndsWith(MeanAbsSuffix, StringComparison.Ordinal))
            return true;
        return graph.Nodes.Where(n => n.OpType == BatchNormOp)
            .SelectMany(n => n.Inputs.Skip(1).Take(4))
            .Any(input => Enumerable.Range(1, 8).Any(k => name == $"{input}.k{k}"));
    }

    private static BatchNormParams? ReadVariant(ModelGraph graph, Node bn, int k, int channels)
    {
        var names = bn.Inputs.Skip(1).Take(4).Select(i => VariantName(i, k)).ToArray();
        var present = names.Where(n => graph.FindInitializer(n) is not null).ToArray();
        if (present.Length == 0)
            return null;
        if (present.Length < 4)
            throw new DiagnosticException(ModelDiagnosticCodes.IncompleteBatchNormVariant,
                $"the {k}-bit variant has {string.Join(", ", present.Select(n => $"'{n}'"))} but not " +
                $"{string.Join(", ", names.Except(present).Select(n => $"'{n}'"))}; a variant needs all four tensors",
                graph.SourceFile, bn.Label);
        return ReadParams(graph, bn, names, channels);
    }

    /// <summary>Reads the node's own parameters (names null) or the given four initializers.</summary>
    private static BatchNormParams ReadParams(ModelGraph graph, Node bn, string[]? names, int? channels = null)
    {
        if (bn.OpType != BatchNormOp)
            throw new ArgumentException($"node {bn.Label} is a {bn.OpType}, not a {BatchNormOp}", nameof(bn));
        DiagnosticException Fail(string message) => new(ModelDiagnosticCodes.BadBatchNormParams, message, graph.SourceFile, bn.Label);

        if (bn.Inputs.Count < 5 || bn.Inputs.Skip(1).Take(4).Any(i => i.Length == 0))
            throw Fail("BatchNormalization needs five inputs: X, scale, B, input_mean, input_var");
        names ??= bn.Inputs.Skip(1).Take(4).ToArray();
        var arrays = new float[4][];
        for (var j = 0; j < 4; j++)
        {
            var t = graph.FindInitializer(names[j])
                ?? throw Fail($"'{names[j]}' is not an initializer; BatchNorm parameters must be constants");
            if (t.Type != DataType.Float || t.Dims.Length != 1)
                throw Fail($"'{names[j]}' must be a one-dimensional FLOAT tensor; it is {t.Type} [{string.Join(",", t.Dims)}]");
            channels ??= t.Floats!.Length;
            if (t.Floats!.Length != channels)
                throw Fail($"'{names[j]}' has {t.Floats.Length} values; expected {channels}, one per channel");
            arrays[j] = (float[])t.Floats.Clone();
        }
        var bad = Array.FindIndex(arrays[3], v => v < 0);
        if (bad >= 0)
            throw Fail($"'{names[3]}' holds the negative variance {arrays[3][bad]} at channel {bad}");
        var epsilon = bn.GetFloat("epsilon", DefaultEpsilon);
        if (!(epsilon > 0) || !float.IsFinite(epsilon))
            throw Fail($"epsilon is {epsilon}; it must be positive");
        return new BatchNormParams(arrays[0], arrays[1], arrays[2], arrays[3], epsilon);
    }
}
