using TruncEdge.Model.Diagnostics;

namespace TruncEdge.Compiler;

/// <summary>
/// The diagnostics one pass found, each stamped with the pass and the model file, so a pass can
/// report every error it finds instead of stopping at the first.
/// </summary>
public sealed class DiagnosticBag(string file, string pass)
{
    private readonly List<Diagnostic> _diagnostics = [];

    public IReadOnlyList<Diagnostic> Diagnostics => _diagnostics;
    public bool HasErrors => _diagnostics.Count > 0;

    public void Report(string code, string message, string? node = null) =>
        _diagnostics.Add(new Diagnostic(code, message, file, node, pass));

    /// <summary>Runs one unit of a pass's work (a node, a layer); a DiagnosticException it throws
    /// is recorded and the pass goes on with the next unit. False when it failed.</summary>
    public bool Try(Action work)
    {
        try
        {
            work();
            return true;
        }
        catch (DiagnosticException e)
        {
            foreach (var d in e.Diagnostics) _diagnostics.Add(d with { File = d.File ?? file, Pass = d.Pass ?? pass });
            return false;
        }
    }
}
