using System.CommandLine;
using TruncEdge.Compiler.Passes;
using TruncEdge.Compiler.Program;
using TruncEdge.Model.Diagnostics;

namespace TruncEdge.Cli.Commands;

/// <summary>Options shared by several verbs, declared once.</summary>
public static class CommonOptions
{
    public static Argument<string> Model() => new("model") { Description = "The model: a TruncQuant-profile .onnx file (docs/model-format.md)" };

    public static Option<string> Target() => new("--target", "-t") { Description = "Target name from targets/ (host, cortex-m4, cortex-m33, riscv32, ...)", DefaultValueFactory = _ => "host" };

    public static Option<bool> NoPin() => new("--no-pin") { Description = "Do not pin the first and last weight layers at 8 bits" };

    public static Option<bool> Json() => new("--json") { Description = "Print the result as JSON" };

    /// <summary>--bits; when it is not given, <see cref="RunBits"/> picks from the deployed set (<paramref name="defaultText"/> says how).</summary>
    public static Option<string?> Bits(string defaultText) => new("--bits", "-b")
    {
        Description = $"Weight bit widths: a list or range within 1..8, e.g. 8, 1-8, 2,4,8 (default: {defaultText})",
    };

    public static CompilerOptions CompilerOptions(bool noPin) => new() { PinFirstAndLast = !noPin };

    /// <summary>--bits parsed, or null when it was not given.</summary>
    public static IReadOnlyList<int>? ParseOptionalBits(string? text) => text is null ? null : ParseBits(text);

    /// <summary>The bit widths a run asks for: --bits when given, else <paramref name="fallback"/> of the
    /// deployed set; refused (TE2081) when one is not deployed.</summary>
    public static IReadOnlyList<int> RunBits(IReadOnlyList<int>? requested, IntegerProgram program, Func<IReadOnlyList<int>, IReadOnlyList<int>> fallback)
    {
        var bits = requested ?? fallback(program.DeployedBits);
        WeightBits.RequireDeployed(program, bits);
        return bits;
    }

    /// <summary>Parses "1-8", "2,4,8", "4" into sorted distinct bit widths within 1..8.</summary>
    public static IReadOnlyList<int> ParseBits(string text, string option = "--bits")
    {
        var result = new SortedSet<int>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var range = part.Split('-', StringSplitOptions.TrimEntries);
            if (range.Length is < 1 or > 2 || !range.All(r => int.TryParse(r, out _)))
                throw new DiagnosticException("TE0001", $"{option} '{text}': expected numbers or ranges such as 1-8 or 2,4,8");
            int lo = int.Parse(range[0]), hi = int.Parse(range[^1]);
            if (lo < 1 || hi > 8 || lo > hi)
                throw new DiagnosticException("TE0002", $"{option} '{text}': weight bit widths must be within 1..8");
            for (var k = lo; k <= hi; k++) result.Add(k);
        }
        if (result.Count == 0) throw new DiagnosticException("TE0001", $"{option}: no bit width given; expected a list or range within 1..8 such as 8,4,2");
        return result.ToList();
    }
}

/// <summary>
/// How a model is compiled, for every verb that compiles one: --no-pin, --deploy-bits and
/// --store-bits, declared once and read into <see cref="CompilerOptions"/>.
/// </summary>
public sealed class CompileChoices
{
    private readonly Option<bool> _noPin = CommonOptions.NoPin();

    private readonly Option<string?> _deployBits = new("--deploy-bits")
    {
        Description = "Weight bit widths the emitted tables keep (the k a product ships), e.g. 8,4,2 (default: 1..S, S from --store-bits); other k are refused at run time. Pinned layers run at 8 whatever the set",
    };

    private readonly Option<int> _storeBits = new("--store-bits")
    {
        Description = "Bits of each weight code kept in flash for the layers that are not pinned, 1..8: their weights take S/8 of the flash (packed, docs/emitted-c.md) and run at any k <= S",
        DefaultValueFactory = _ => 8,
    };

    public void AddTo(Command command)
    {
        command.Options.Add(_noPin);
        command.Options.Add(_deployBits);
        command.Options.Add(_storeBits);
    }

    public CompilerOptions Read(ParseResult r)
    {
        var store = r.GetValue(_storeBits);
        if (store is < 1 or > 8)
            throw new DiagnosticException("TE0002", $"--store-bits {store}: expected a bit width within 1..8");
        return new CompilerOptions
        {
            PinFirstAndLast = !r.GetValue(_noPin),
            DeployBits = r.GetValue(_deployBits) is { } text ? CommonOptions.ParseBits(text, "--deploy-bits") : null,
            StoreBits = store,
        };
    }
}
