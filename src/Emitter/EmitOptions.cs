using System.Collections.Frozen;
using TruncEdge.Model.Diagnostics;

namespace TruncEdge.Emitter;

/// <summary>
/// What the caller tells the emitter besides the Program. Everything except <see cref="Prefix"/>
/// and <see cref="Cross"/> only goes into the provenance comment at the top of every generated
/// file (STYLE rule 13), so two runs with the same options produce the same bytes.
/// </summary>
public sealed record EmitOptions
{
    public const string DefaultPrefix = "model";

    /// <summary>Prefix of every C identifier and file name of the model API: <c>model</c> gives
    /// model.h, model_invoke, MODEL_ARENA_SIZE and libmodel.a. Must be a C identifier.</summary>
    public string Prefix { get; init; } = DefaultPrefix;

    /// <summary>The target the folder was compiled for (a name from targets/, or "host").</summary>
    public string Target { get; init; } = "host";

    /// <summary>The cross target's compiler and CPU flags, the defaults of the emitted Makefile
    /// and of cmake/&lt;target&gt;.cmake; null for a host folder (the Makefile then uses cc).</summary>
    public CrossBuild? Cross { get; init; }

    /// <summary>The TruncEdge version that emitted the folder.</summary>
    public string ToolVersion { get; init; } = "unknown";

    /// <summary>The command line that produced the folder, as the user typed it.</summary>
    public string CommandLine { get; init; } = "";

    /// <summary>sha256 of the model.onnx bytes, lower-case hex, computed by the caller.</summary>
    public string ModelSha256 { get; init; } = "";

    private const int MaxPrefixLength = 48;

    /// <summary>Throws a <see cref="DiagnosticException"/> when <see cref="Prefix"/> cannot be used.</summary>
    public void Validate()
    {
        if (PrefixProblem(Prefix) is { } problem)
        {
            throw new DiagnosticException(new Diagnostic(EmitterDiagnosticCodes.InvalidPrefix,
                $"invalid C prefix '{Printable(Prefix)}': {problem}", Pass: "emit"));
        }
    }

    /// <summary>Why <paramref name="prefix"/> cannot be a model prefix, or null when it can.</summary>
    public static string? PrefixProblem(string? prefix)
    {
        if (string.IsNullOrEmpty(prefix))
        {
            return "it is empty; expected a C identifier such as 'model'";
        }

        if (prefix.Length > MaxPrefixLength)
        {
            return $"it is longer than {MaxPrefixLength} characters";
        }

        if (!IsIdentifierStart(prefix[0]) || !prefix.All(IsIdentifierPart))
        {
            return "expected a C identifier: ASCII letters, digits and '_', not starting with a digit";
        }

        if (prefix.StartsWith("__", StringComparison.Ordinal) || (prefix[0] == '_' && prefix.Length > 1 && char.IsAsciiLetterUpper(prefix[1])))
        {
            return "identifiers starting with '__' or '_' and a capital letter are reserved by C";
        }

        if (CKeywords.Contains(prefix))
        {
            return "it is a C keyword";
        }

        var lower = prefix.ToLowerInvariant();
        if (lower == "te" || lower.StartsWith("te_", StringComparison.Ordinal) || lower == "truncedge")
        {
            return "'te', 'te_*' and 'truncedge' belong to the TruncEdge runtime (te_*.c, TE_* macros, truncedge.h)";
        }

        return null;
    }

    private static bool IsIdentifierStart(char c) => char.IsAsciiLetter(c) || c == '_';

    private static bool IsIdentifierPart(char c) => char.IsAsciiLetterOrDigit(c) || c == '_';

    private static string Printable(string? s) =>
        s is null ? "" : new string(s.Select(c => c is >= ' ' and <= '~' ? c : '?').ToArray());

    private static readonly FrozenSet<string> CKeywords = new[]
    {
        "auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else", "enum",
        "extern", "float", "for", "goto", "if", "inline", "int", "long", "register", "restrict", "return",
        "short", "signed", "sizeof", "static", "struct", "switch", "typedef", "union", "unsigned", "void",
        "volatile", "while", "_Bool", "_Complex", "_Imaginary",
    }.ToFrozenSet(StringComparer.Ordinal);
}
