using System.Globalization;

namespace TruncEdge.Toolchain;

/// <summary>
/// What a GNU ld map file (-Wl,-Map) says about the code each object brought into the image: the
/// input sections of the output section .text, after the list of discarded ones (so only what
/// --gc-sections kept counts).
/// </summary>
public static class LinkerMap
{
    /// <summary>Bytes of .text input sections that came from <paramref name="objects"/> (paths as
    /// given to the linker).</summary>
    public static ulong CodeBytes(string mapPath, IReadOnlyCollection<string> objects)
    {
        var wanted = objects.Select(Path.GetFullPath).ToHashSet(StringComparer.Ordinal);
        var lines = File.ReadAllLines(mapPath);
        var start = Array.FindIndex(lines, l => l.StartsWith("Linker script and memory map", StringComparison.Ordinal));
        ulong total = 0;
        string? pending = null; // a section name whose address, size and object are on the next line
        for (var i = Math.Max(start, 0); i < lines.Length; i++)
        {
            var fields = lines[i].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length == 0) { pending = null; continue; }
            if (lines[i].StartsWith(' ') && fields.Length == 1 && fields[0].StartsWith(".text", StringComparison.Ordinal))
            {
                pending = fields[0];
                continue;
            }

            // " .text.NAME 0xADDR 0xSIZE OBJECT" or, after a pending name, "0xADDR 0xSIZE OBJECT"
            var (name, rest) = pending is not null ? (pending, fields) : (fields[0], fields[1..]);
            pending = null;
            if (!lines[i].StartsWith(' ') || !name.StartsWith(".text", StringComparison.Ordinal) || rest.Length < 3
                || !rest[0].StartsWith("0x", StringComparison.Ordinal) || !rest[1].StartsWith("0x", StringComparison.Ordinal))
            {
                continue;
            }

            var obj = string.Join(' ', rest[2..]);
            if (wanted.Contains(obj) && ulong.TryParse(rest[1][2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var size))
            {
                total += size;
            }
        }

        return total;
    }
}
