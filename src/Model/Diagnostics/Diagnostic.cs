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
/// Carries a <see cref="Diagnostic"/> out of a pass or reader. Only user mistakes travel this
/// way; any other exception is a bug in TruncEdge and is reported as one.
/// </summary>
public sealed class DiagnosticException(Diagnostic diagnostic) : Exception(diagnostic.ToString())
{
    public Diagnostic Diagnostic { get; } = diagnostic;

    public DiagnosticException(string code, string message, string? file = null, string? node = null)
        : this(new Diagnostic(code, message, file, node)) { }

    /// <summary>The same diagnostic with the file filled in, for readers that learn it late.</summary>
    public DiagnosticException WithFile(string file) =>
        Diagnostic.File is null ? new DiagnosticException(Diagnostic with { File = file }) : this;
}
