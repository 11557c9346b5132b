using System.Globalization;

namespace TruncEdge.Trainer.Quantization;

/// <summary>
/// One member of the any-precision family: a weight bit width k in 1..8, or full precision
/// (<see cref="Full"/>, the "32-bit" member, which uses w = E * tanh(x) / M and plain ReLU).
/// </summary>
public readonly record struct Precision
{
    private Precision(int bits) => Bits = bits;

    /// <summary>1..8, or 32 for full precision.</summary>
    public int Bits { get; }

    public bool IsFull => Bits == 32;

    public static Precision Full => new(32);

    public static Precision Of(int bits) => bits is >= 1 and <= 8 or 32
        ? new Precision(bits)
        : throw new ArgumentOutOfRangeException(nameof(bits), bits, "weight bits are 1..8, or 32 for full precision");

    /// <summary>All members, highest first: full precision, 8, 7, ..., 1.</summary>
    public static IReadOnlyList<Precision> All { get; } =
        [Full, .. Enumerable.Range(1, 8).Reverse().Select(b => new Precision(b))];

    /// <summary>"fp" or the bit count ("4").</summary>
    public override string ToString() => IsFull ? "fp" : Bits.ToString(CultureInfo.InvariantCulture);

    /// <summary>Parses "fp", "32" or "1".."8".</summary>
    public static Precision Parse(string text) => text.Trim().ToLowerInvariant() switch
    {
        "fp" or "32" or "full" => Full,
        var t when int.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var b) && b is >= 1 and <= 8 => new Precision(b),
        _ => throw new FormatException($"'{text}' is not a weight bit width (1..8 or fp)"),
    };
}
