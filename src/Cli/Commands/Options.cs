using System.CommandLine;
using TruncEdge.Compiler.Passes;
using TruncEdge.Model.Diagnostics;

namespace TruncEdge.Cli.Commands;

/// <summary>Options shared by several verbs, declared once.</summary>
public static class CommonOptions
{
    public static Argument<string> Model() => new("model") { Description = "The model: a TruncQuant-profile .onnx file (docs/model-format.md)" };

    public static Option<string> Target() => new("--target", "-t") { Description = "Target name from targets/ (host, cortex-m4, cortex-m33, riscv32, ...)", DefaultValueFactory = _ => "host" };

    public static Option<bool> NoPin() => new("--no-pin") { Description = "Do not pin the first and last weight layers at 8 bits" };

    public static Option<bool> Json() => new("--json") { Description = "Print the result as JSON" };

    public static Option<string> Bits(string defaultValue) => new("--bits", "-b") { Description = "Weight bit widths: a list or range within 1..8, e.g. 8, 1-8, 2,4,8", DefaultValueFactory = _ => defaultValue };

    public static CompilerOptions CompilerOptions(bool noPin) => new() { PinFirstAndLast = !noPin };

    /// <summary>Parses "1-8", "2,4,8", "4" into sorted distinct bit widths within 1..8.</summary>
    public static IReadOnlyList<int> ParseBits(string text)
    {
        var result = new SortedSet<int>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var range = part.Split('-', StringSplitOptions.TrimEntries);
            if (range.Length is < 1 or > 2 || !range.All(r => int.TryParse(r, out _)))
                throw new DiagnosticException("TE0001", $"--bits '{text}': expected numbers or ranges such as 1-8 or 2,4,8");
            int lo = int.Parse(range[0]), hi = int.Parse(range[^1]);
            if (lo < 1 || hi > 8 || lo > hi)
                throw new DiagnosticException("TE0002", $"--bits '{text}': weight bit widths must be within 1..8");
            for (var k = lo; k <= hi; k++) result.Add(k);
        }
        if (result.Count == 0) throw new DiagnosticException("TE0001", "--bits: no bit width given");
        return result.ToList();
    }
}
