using System.Globalization;
using System.Text.RegularExpressions;
using TruncEdge.Model.Diagnostics;

namespace TruncEdge.Toolchain.Benchmarking;

/// <summary>
/// Which kernel paths each op ran at each weight bit width, from the bench-paths image
/// (<see cref="ImageKind.BenchPaths"/>). The names come from the te_path enum of the runtime's
/// te_internal.h in the emitted folder (TE_PATH_CONV_BLOCK is "conv-block"), so there is no
/// second list to keep in step. The path a kernel takes is a function of the compiled model, the
/// target and k only (nothing scans the data), so one input shows what every input runs.
/// </summary>
public static partial class KernelPaths
{
    [GeneratedRegex(@"^\s*TE_PATH_([A-Z0-9_]+)\s*=\s*(\d+)\s*,?", RegexOptions.Multiline)]
    private static partial Regex EnumEntry();

    /// <summary>Path names by bit index, from the text of te_internal.h (TE_PATH_COUNT left out).</summary>
    public static IReadOnlyDictionary<int, string> Names(string internalHeader)
    {
        var names = new SortedDictionary<int, string>();
        foreach (Match m in EnumEntry().Matches(internalHeader))
        {
            if (m.Groups[1].Value == "COUNT") continue;
            names[int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture)] = m.Groups[1].Value.ToLowerInvariant().Replace('_', '-');
        }
        return names;
    }

    /// <summary>
    /// The paths per (bits, op) from the console lines of a bench-paths run: "te-paths: bits K",
    /// then "te-paths: op I MASK" after each op.
    /// </summary>
    public static IReadOnlyDictionary<(int Bits, int Op), IReadOnlyList<string>> Parse(IEnumerable<string> console, IReadOnlyDictionary<int, string> names, string image)
    {
        var result = new Dictionary<(int, int), IReadOnlyList<string>>();
        int? bits = null;
        foreach (var line in console.Where(l => l.StartsWith("te-paths: ", StringComparison.Ordinal)))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts is [_, "bits", var k] && int.TryParse(k, CultureInfo.InvariantCulture, out var kb))
            {
                bits = kb;
            }
            else if (parts is [_, "op", var o, var m] && bits is { } b && int.TryParse(o, CultureInfo.InvariantCulture, out var op)
                     && uint.TryParse(m, CultureInfo.InvariantCulture, out var mask))
            {
                result[(b, op)] = Enumerable.Range(0, 32).Where(p => (mask >> p & 1u) != 0)
                    .Select(p => names.TryGetValue(p, out var n) ? n : $"path{p}").ToList();
            }
            else
            {
                throw new DiagnosticException(ToolchainDiagnosticCodes.CountFailed, $"unreadable kernel path line '{line}'", image);
            }
        }
        return result;
    }
}
