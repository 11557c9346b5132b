using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;

namespace TruncEdge.Cli.Tests;

/// <summary>
/// docs/diagnostics.md lists every diagnostic code exactly when the source raises it: a code
/// thrown in src/ but missing from the catalogue fails, and so does a row for a code nothing
/// raises any more.
/// </summary>
public partial class DiagnosticCatalogueTests
{
    /// <summary>A code as it exists at run time: a string literal "TEnnnn".</summary>
    [GeneratedRegex("\"(TE[0-9]{4})\"")]
    private static partial Regex CodeLiteral();

    /// <summary>A constant of a *DiagnosticCodes class: <c>public const string Name = "TEnnnn";</c>.</summary>
    [GeneratedRegex(@"const\s+string\s+(\w+)\s*=\s*""(TE[0-9]{4})""")]
    private static partial Regex CodeConstant();

    [GeneratedRegex(@"^\|\s*(TE[0-9]{4})\s*\|", RegexOptions.Multiline)]
    private static partial Regex CatalogueRow();

    /// <summary>A line that is only a comment (//, ///), e.g. a commented-out throw or a doc comment naming a code.</summary>
    [GeneratedRegex(@"^[ \t]*//.*$", RegexOptions.Multiline)]
    private static partial Regex CommentLine();

    [Fact]
    public void DiagnosticCatalogueListsExactlyTheRaisedCodes()
    {
        var root = RepoRoot();
        var raised = RaisedCodes(Path.Combine(root, "src"));
        var rows = CatalogueRow().Matches(File.ReadAllText(Path.Combine(root, "docs", "diagnostics.md")))
            .Select(m => m.Groups[1].Value).ToList();

        Assert.True(raised.Count > 50, $"found only {raised.Count} codes under src/: the scan is broken");
        var problems = new List<string>();
        problems.AddRange(rows.GroupBy(c => c).Where(g => g.Count() > 1).Select(g => $"{g.Key} has {g.Count()} rows in docs/diagnostics.md"));
        problems.AddRange(raised.Keys.Except(rows).Order(StringComparer.Ordinal)
            .Select(c => $"{c} is raised in {string.Join(", ", raised[c])} but missing from docs/diagnostics.md"));
        problems.AddRange(rows.Distinct().Except(raised.Keys).Order(StringComparer.Ordinal)
            .Select(c => $"{c} is in docs/diagnostics.md but nothing under src/ raises it"));
        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    /// <summary>
    /// Every code under <paramref name="src"/> with the files that raise it. Comment lines do not
    /// count. A literal at a throw site counts where it is; a *DiagnosticCodes constant counts
    /// where <c>Class.Name</c> is used, so a constant nothing throws is not a raised code.
    /// </summary>
    private static Dictionary<string, SortedSet<string>> RaisedCodes(string src)
    {
        var files = Directory.EnumerateFiles(src, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Split(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar).Any(d => d is "bin" or "obj"))
            .ToDictionary(f => Path.GetRelativePath(src, f).Replace('\\', '/'), f => StripComments(File.ReadAllText(f)));

        var constants = new List<(string Reference, string Code)>();
        foreach (var (name, text) in files.Where(f => f.Key.EndsWith("DiagnosticCodes.cs", StringComparison.Ordinal)))
        {
            var cls = Path.GetFileNameWithoutExtension(name);
            constants.AddRange(CodeConstant().Matches(text).Select(m => ($"{cls}.{m.Groups[1].Value}", m.Groups[2].Value)));
        }

        var raised = new Dictionary<string, SortedSet<string>>(StringComparer.Ordinal);
        void Add(string code, string file)
        {
            if (!raised.TryGetValue(code, out var where)) raised[code] = where = new SortedSet<string>(StringComparer.Ordinal);
            where.Add(file);
        }
        foreach (var (name, text) in files)
        {
            var definesCodes = name.EndsWith("DiagnosticCodes.cs", StringComparison.Ordinal);
            if (!definesCodes)
            {
                foreach (Match m in CodeLiteral().Matches(text)) Add(m.Groups[1].Value, name);
            }
            foreach (var (reference, code) in constants)
            {
                if (Regex.IsMatch(text, $@"\b{Regex.Escape(reference)}\b")) Add(code, name);
            }
        }
        return raised;
    }

    /// <summary>Drops whole-line comments. Trailing and block comments stay: src/ names no code in one,
    /// and a regex that strips them would also eat "//" and "/*" inside string literals.</summary>
    private static string StripComments(string text) => CommentLine().Replace(text, "");

    /// <summary>The checkout these tests were compiled from: the folder above this file that holds TruncEdge.sln.</summary>
    private static string RepoRoot([CallerFilePath] string thisFile = "")
    {
        for (var d = new DirectoryInfo(Path.GetDirectoryName(thisFile)!); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "TruncEdge.sln"))) return d.FullName;
        }
        throw new InvalidOperationException($"no TruncEdge.sln above {thisFile}");
    }
}
