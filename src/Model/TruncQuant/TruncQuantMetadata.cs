using System.Globalization;
using TruncEdge.Model.Diagnostics;
using TruncEdge.Model.Graph;

namespace TruncEdge.Model.TruncQuant;

/// <summary>
/// The truncquant.* entries of ModelProto.metadata_props (docs/model-format.md): which
/// quantizer the weights were trained with, which weight bit widths were trained, the default
/// activation bits and which bit widths had their BatchNorm calibrated after training.
/// </summary>
public sealed class TruncQuantMetadata
{
    public const string ProfileKey = "truncquant.profile";
    public const string WeightQuantizerKey = "truncquant.weight_quantizer";
    public const string WeightBitsKey = "truncquant.weight_bits";
    public const string ActivationBitsKey = "truncquant.activation_bits";
    public const string CalibratedBitsKey = "truncquant.calibrated_bits";
    /// <summary>The profile version this TruncEdge reads and writes.</summary>
    public const string ProfileVersion = "1";

    private const string Prefix = "truncquant.";

    public TruncQuantMetadata(WeightQuantizer weightQuantizer, IReadOnlyList<int> weightBits, int? activationBits = null,
        IReadOnlyList<int>? calibratedBits = null)
    {
        calibratedBits ??= [];
        CheckBitList(weightBits, nameof(weightBits));
        CheckBitList(calibratedBits, nameof(calibratedBits));
        if (activationBits is < 1 or > 8)
            throw new ArgumentOutOfRangeException(nameof(activationBits), activationBits, "activation bits are 1..8");
        if (weightBits.Intersect(calibratedBits).Any())
            throw new ArgumentException("a bit width is either trained or calibrated, not both", nameof(calibratedBits));
        WeightQuantizer = weightQuantizer;
        WeightBits = weightBits.ToArray();
        ActivationBits = activationBits;
        CalibratedBits = calibratedBits.ToArray();
    }

    public WeightQuantizer WeightQuantizer { get; }
    /// <summary>Trained weight bit widths, ascending; empty when the model says nothing.</summary>
    public IReadOnlyList<int> WeightBits { get; }
    /// <summary>Default activation bits (informational; the graph's quantizers decide).</summary>
    public int? ActivationBits { get; }
    /// <summary>Bit widths whose BatchNorm was calibrated after training, ascending.</summary>
    public IReadOnlyList<int> CalibratedBits { get; }

    /// <summary>What a model without truncquant.* metadata means: TruncQuant weights, nothing else known.</summary>
    public static TruncQuantMetadata Absent { get; } = new(WeightQuantizer.TruncQuant, []);

    /// <summary>Reads the truncquant.* entries of <paramref name="graph"/>; malformed ones are TE1200/TE1201.
    /// Unknown truncquant.* keys are ignored, so a later minor addition does not break old readers.</summary>
    public static TruncQuantMetadata Read(ModelGraph graph)
    {
        var md = graph.Metadata;
        if (!md.Keys.Any(k => k.StartsWith(Prefix, StringComparison.Ordinal)))
            return Absent;

        DiagnosticException Fail(string code, string message) => new(code, message, graph.SourceFile);

        if (!md.TryGetValue(ProfileKey, out var version))
            throw Fail(ModelDiagnosticCodes.BadProfileMetadata, $"the model has truncquant.* metadata but no '{ProfileKey}'");
        if (version != ProfileVersion)
            throw Fail(ModelDiagnosticCodes.UnsupportedProfileVersion,
                $"'{ProfileKey}' is '{version}'; this TruncEdge reads TruncQuant profile version {ProfileVersion}");

        var quantizer = md.GetValueOrDefault(WeightQuantizerKey) switch
        {
            "truncquant" => WeightQuantizer.TruncQuant,
            "round" => WeightQuantizer.Round,
            var other => throw Fail(ModelDiagnosticCodes.BadProfileMetadata,
                $"'{WeightQuantizerKey}' is {(other is null ? "missing" : $"'{other}'")}; expected 'truncquant' or 'round'"),
        };
        if (!md.TryGetValue(WeightBitsKey, out var weightBitsText))
            throw Fail(ModelDiagnosticCodes.BadProfileMetadata, $"'{WeightBitsKey}' is missing; expected the trained bit widths, e.g. '1,2,4,8'");
        var weightBits = ParseBitList(WeightBitsKey, weightBitsText, allowEmpty: false, Fail);
        var calibrated = md.TryGetValue(CalibratedBitsKey, out var calibratedText)
            ? ParseBitList(CalibratedBitsKey, calibratedText, allowEmpty: true, Fail)
            : [];
        var both = weightBits.Intersect(calibrated).FirstOrDefault();
        if (both > 0)
            throw Fail(ModelDiagnosticCodes.BadProfileMetadata,
                $"bit width {both} is listed both in '{WeightBitsKey}' and in '{CalibratedBitsKey}'");
        int? activationBits = null;
        if (md.TryGetValue(ActivationBitsKey, out var activationText))
            activationBits = ParseBits(activationText) ?? throw Fail(ModelDiagnosticCodes.BadProfileMetadata,
                $"'{ActivationBitsKey}' is '{activationText}'; expected a bit width 1..8");
        return new TruncQuantMetadata(quantizer, weightBits, activationBits, calibrated);
    }

    /// <summary>Writes the truncquant.* entries into <paramref name="graph"/>, replacing any there.</summary>
    public void WriteTo(ModelGraph graph)
    {
        foreach (var key in graph.Metadata.Keys.Where(k => k.StartsWith(Prefix, StringComparison.Ordinal)).ToList())
            graph.Metadata.Remove(key);
        graph.Metadata[ProfileKey] = ProfileVersion;
        graph.Metadata[WeightQuantizerKey] = WeightQuantizer == WeightQuantizer.Round ? "round" : "truncquant";
        graph.Metadata[WeightBitsKey] = FormatBitList(WeightBits);
        if (ActivationBits is { } a)
            graph.Metadata[ActivationBitsKey] = a.ToString(CultureInfo.InvariantCulture);
        if (CalibratedBits.Count > 0)
            graph.Metadata[CalibratedBitsKey] = FormatBitList(CalibratedBits);
    }

    /// <summary>"1,2,4,8".</summary>
    public static string FormatBitList(IEnumerable<int> bits) =>
        string.Join(",", bits.Select(b => b.ToString(CultureInfo.InvariantCulture)));

    private static int[] ParseBitList(string key, string text, bool allowEmpty, Func<string, string, DiagnosticException> fail)
    {
        if (text.Trim().Length == 0 && allowEmpty)
            return [];
        var parts = text.Split(',');
        var bits = parts.Select(p => ParseBits(p.Trim())).ToArray();
        for (var i = 0; i < bits.Length; i++)
        {
            if (bits[i] is null || (i > 0 && bits[i] <= bits[i - 1]))
                throw fail(ModelDiagnosticCodes.BadProfileMetadata,
                    $"'{key}' is '{text}'; expected bit widths 1..8, comma separated, strictly ascending, e.g. '1,2,4,8'");
        }
        return bits.Select(b => b!.Value).ToArray();
    }

    private static int? ParseBits(string text) =>
        text.Length == 1 && text[0] is >= '1' and <= '8' ? text[0] - '0' : null;

    private static void CheckBitList(IReadOnlyList<int> bits, string name)
    {
        for (var i = 0; i < bits.Count; i++)
        {
            if (bits[i] is < 1 or > 8 || (i > 0 && bits[i] <= bits[i - 1]))
                throw new ArgumentException("bit widths must be 1..8 and strictly ascending", name);
        }
    }
}
