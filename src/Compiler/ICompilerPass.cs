namespace TruncEdge.Compiler;

/// <summary>
/// One step of <see cref="CompilerPipeline"/>: a verb-noun <see cref="Name"/> (what
/// `inspect --after` takes) and one job on the <see cref="Compilation"/>. A pass reports user
/// mistakes into its <see cref="DiagnosticBag"/> (or throws a DiagnosticException for one it
/// cannot go on after); the pipeline stops after a pass that reported any.
/// </summary>
public interface ICompilerPass
{
    string Name { get; }
    void Run(Compilation compilation, DiagnosticBag diagnostics);
}
