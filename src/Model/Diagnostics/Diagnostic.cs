namespace TruncEdge.Model.Diagnostics;

/// <summary>
/// A user-facing problem with a model or an option: a stable code, where it was found and what
/// was expected. <see cref="ToString"/> is the one line the CLI prints.
/// </summary>
public sealed record Diagnostic(string Code, string Message, string? File = null, string? Node = null, string? Pass = null)
{
    public override string ToString()
    {
        var where = string.Join(", ", new[] { File, Node is null ? null : $"node '{Node}'" }.Where(s => s is not null));
        return where.Length == 0 ? $"error {Code}: {Message}" : $"error {Code}: {where}: {Message}";
    }
}

/// <summary>
/// Carries one or more <see cref="Diagnostic"/>s out of a pass or reader: a compiler pass that
/// found several errors reports them all at once. Only user mistakes travel this way; any other
/// exception is a bug in TruncEdge and is reported as one.
/// </summary>
public sealed class DiagnosticException : Exception
{
    public DiagnosticException(IReadOnlyList<Diagnostic> diagnostics)
        : base(string.Join(Environment.NewLine, diagnostics))
    {
        if (diagnostics.Count == 0) throw new ArgumentException("a DiagnosticException needs at least one diagnostic", nameof(diagnostics));
        Diagnostics = diagnostics;
    }

    public DiagnosticException(Diagnostic diagnostic) : this([diagnostic]) { }

    public DiagnosticException(string code, string message, string? file = null, string? node = null)
        : this(new Diagnostic(code, message, file, node)) { }

    /// <summary>Every diagnostic, in the order they were found; the CLI prints one line each.</summary>
    public IReadOnlyList<Diagnostic> Diagnostics { get; }

    /// <summary>The first diagnostic (the only one, for readers that stop at the first problem).</summary>
    public Diagnostic Diagnostic => Diagnostics[0];

    /// <summary>The same diagnostics with the file filled in, for readers that learn it late.</summary>
    public DiagnosticException WithFile(string file) =>
        Diagnostics.All(d => d.File is not null) ? this : new DiagnosticException(Diagnostics.Select(d => d.File is null ? d with { File = file } : d).ToList());
}
