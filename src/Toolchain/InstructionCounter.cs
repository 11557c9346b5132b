using System.Globalization;
using TruncEdge.Model.Diagnostics;

namespace TruncEdge.Toolchain;

/// <summary>Exact instruction counts of one inference at one weight bit width.</summary>
/// <param name="Total">Instructions of one call of the model's invoke without tracing, call and
/// return included, the cost of the markers themselves subtracted.</param>
/// <param name="PerOp">Instructions from the end of the previous op (or the start of invoke) to the
/// end of each op, measured in a second, traced inference: each includes the trace hook's few
/// instructions, so their sum is a little above <see cref="Total"/>.</param>
public sealed record InstructionCount(int Bits, ulong Total, IReadOnlyList<ulong> PerOp);

/// <summary>The counts of a bench run, its outputs (per bit width) and the stack it used.</summary>
public sealed record InstructionCountResult(IReadOnlyList<InstructionCount> Counts, int[][] Outputs, ulong StackBytesUsed, IReadOnlyList<string> Console);

/// <summary>
/// Counts executed guest instructions exactly, per inference and per op, at each weight bit
/// width: runs the bench image (<see cref="ImageKind.Bench"/>) under QEMU with the te_icount
/// plugin stopping at the addresses of te_bench_begin, te_bench_end and te_bench_op. QEMU models
/// no cycles; instruction counts are exact and repeatable (two runs give identical numbers).
/// </summary>
public sealed class InstructionCounter(TargetCatalog catalog)
{
    private const string CountFile = "icount.txt";

    /// <summary>Counts on one input sample at each of <paramref name="bits"/>.</summary>
    public InstructionCountResult Count(BuildResult bench, byte[] input, IReadOnlyList<int> bits, TimeSpan? timeout = null)
    {
        if (bench.Options.Image is not (ImageKind.Bench or ImageKind.BenchPaths) || bench.Target.IsHost)
        {
            throw new DiagnosticException(ToolchainDiagnosticCodes.CountFailed,
                "instruction counts need the bench image of a QEMU target (BuildOptions.Image = Bench)");
        }
        var elf = ElfFile.Read(bench.ExecutablePath);
        string Marker(string name) => elf.FunctionAddress(name) is { } a
            ? "0x" + a.ToString("x", CultureInfo.InvariantCulture)
            : throw new DiagnosticException(ToolchainDiagnosticCodes.CountFailed, $"the bench image has no function {name}", bench.ExecutablePath);
        var plugin = new IcountPlugin(catalog).EnsureBuilt().Replace(",", ",,", StringComparison.Ordinal);
        string[] extra =
        [
            "-plugin",
            $"{plugin},begin={Marker("te_bench_begin")},end={Marker("te_bench_end")},op={Marker("te_bench_op")},out={CountFile}",
        ];

        string[] lines = [];
        var result = new HarnessRunner(catalog).RunFile(bench, HarnessProtocol.WriteInput([input], bits, trace: false), 1, bits, false,
            timeout, extra, dir =>
            {
                var path = Path.Combine(dir, CountFile);
                lines = File.Exists(path) ? File.ReadAllLines(path) : [];
            });

        var counts = Parse(lines, bits, result.Output.OpCount, bench.ExecutablePath);
        return new InstructionCountResult(counts, result.Outputs[0], StackUsed(result.Process),
            result.Process.StandardError.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).ToList());
    }

    /// <summary>The marker sequence is B E (calibration), then per bit width B E (untraced) and B O x ops E (traced).</summary>
    internal static IReadOnlyList<InstructionCount> Parse(IReadOnlyList<string> lines, IReadOnlyList<int> bits, int opCount, string image)
    {
        var events = new List<(char Kind, ulong Count)>();
        foreach (var line in lines)
        {
            var parts = line.Split(' ');
            if (parts.Length == 2 && parts[0].Length == 1 && ulong.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var n))
            {
                if (parts[0][0] != 'T') events.Add((parts[0][0], n));
            }
        }
        var expected = 2 + bits.Count * (4 + opCount);
        var pattern = "BE" + string.Concat(Enumerable.Repeat("BEB" + new string('O', opCount) + "E", bits.Count));
        var actual = new string(events.Select(e => e.Kind).ToArray());
        if (events.Count != expected || actual != pattern)
        {
            throw new DiagnosticException(ToolchainDiagnosticCodes.CountFailed,
                $"the plugin saw {events.Count} marker calls ({Shorten(actual)}), expected {expected} ({Shorten(pattern)})", image);
        }

        var counts = new List<InstructionCount>();
        var markers = events[1].Count - events[0].Count;
        var i = 2;
        foreach (var b in bits)
        {
            var total = events[i + 1].Count - events[i].Count - markers;
            i += 2;
            var perOp = new List<ulong>();
            var previous = events[i].Count;
            for (var o = 0; o < opCount; o++)
            {
                perOp.Add(events[i + 1 + o].Count - previous);
                previous = events[i + 1 + o].Count;
            }
            i += 2 + opCount;
            counts.Add(new InstructionCount(b, total, perOp));
        }
        return counts;
    }

    private static string Shorten(string s) => s.Length > 40 ? s[..40] + "..." : s;

    private static ulong StackUsed(ProcessResult r)
    {
        const string prefix = "te-bench: stack ";
        var line = r.StandardError.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal));
        return line is not null && ulong.TryParse(line[prefix.Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0;
    }
}
