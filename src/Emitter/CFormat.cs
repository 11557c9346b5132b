using System.Globalization;
using System.Text;

namespace TruncEdge.Emitter;

/// <summary>
/// Turns numbers and user text into C source text. Every number that reaches a generated file
/// goes through here, always with the invariant culture (STYLE rule 6, pitfall 3).
/// </summary>
internal static class CFormat
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>A plain decimal integer: 42, -7.</summary>
    public static string Int(long v) => v.ToString(Inv);

    /// <summary>An unsigned C literal: 42u.</summary>
    public static string UInt(long v) =>
        v >= 0 ? v.ToString(Inv) + "u" : throw new ArgumentOutOfRangeException(nameof(v), v, "negative unsigned literal");

    /// <summary>An int32_t value as a C expression of type int; INT32_MIN cannot be written as
    /// one literal, so it becomes (-2147483647 - 1).</summary>
    public static string Int32(int v) => v == int.MinValue ? "(-2147483647 - 1)" : v.ToString(Inv);

    /// <summary>An int64_t initializer value. A plain decimal literal is exact: C99 gives it the
    /// first of int, long, long long that holds it. INT64_MIN becomes an expression.</summary>
    public static string Int64(long v) => v == long.MinValue ? "(-9223372036854775807 - 1)" : v.ToString(Inv);

    /// <summary>A C double literal that round-trips: 0.00392156862745098, 1E-05, 2.0.</summary>
    public static string Double(double v)
    {
        if (!double.IsFinite(v))
        {
            throw new ArgumentOutOfRangeException(nameof(v), v, "not a finite number");
        }

        var s = v.ToString("R", Inv);
        return s.Contains('.', StringComparison.Ordinal) || s.Contains('E', StringComparison.Ordinal) ? s : s + ".0";
    }

    /// <summary>A human number for comments: 12345 (no separators, invariant).</summary>
    public static string Count(long v) => v.ToString(Inv);

    /// <summary>
    /// Values of an initializer, <paramref name="perLine"/> a line, each line ending in a comma
    /// except the last; values right-aligned to <paramref name="width"/> (default: the widest).
    /// </summary>
    public static List<string> Lines(IReadOnlyList<string> values, int perLine, int? width = null)
    {
        var w = width ?? (values.Count == 0 ? 0 : values.Max(v => v.Length));
        var lines = new List<string>((values.Count + perLine - 1) / perLine);
        var sb = new StringBuilder();
        for (var i = 0; i < values.Count; i += perLine)
        {
            sb.Clear();
            var end = Math.Min(values.Count, i + perLine);
            for (var j = i; j < end; j++)
            {
                if (j > i)
                {
                    sb.Append(' ');
                }

                sb.Append(values[j].PadLeft(w));
                if (j < values.Count - 1)
                {
                    sb.Append(',');
                }
            }

            lines.Add(sb.ToString());
        }

        return lines;
    }

    /// <summary>
    /// User text (layer names, the command line) made safe inside a C block comment and a
    /// '#' comment: printable ASCII only (others become '?'), no comment delimiters, no
    /// trigraphs, one line, at most <paramref name="max"/> characters.
    /// </summary>
    public static string CommentText(string? text, int max = 160)
    {
        if (string.IsNullOrEmpty(text))
        {
            return "";
        }

        var sb = new StringBuilder(Math.Min(text.Length, max + 3));
        foreach (var c in text)
        {
            sb.Append(c is >= ' ' and <= '~' ? c : c is '\t' or '\n' or '\r' ? ' ' : '?');
        }

        // "*/" would end the comment and "/*" nests (a -Wcomment warning); "??" could start a
        // trigraph; a trailing backslash would splice the next line.
        var s = sb.ToString();
        while (s.Contains("*/", StringComparison.Ordinal) || s.Contains("/*", StringComparison.Ordinal) || s.Contains("??", StringComparison.Ordinal))
        {
            s = s.Replace("*/", "* /", StringComparison.Ordinal).Replace("/*", "/ *", StringComparison.Ordinal).Replace("??", "? ?", StringComparison.Ordinal);
        }

        if (s.Length > max)
        {
            s = s[..max] + "...";
        }

        return s.TrimEnd('\\', ' ');
    }

    /// <summary>A user name quoted for a comment: "conv1".</summary>
    public static string Quoted(string? name) => "\"" + CommentText(name, 80) + "\"";
}
