using TruncEdge.Compiler.Draft;

namespace TruncEdge.Compiler.Passes;

/// <summary>
/// Pins the first and the last weight layer at 8 bits (TRUNCQUANT.md section 5): the paper keeps
/// them at full precision, which an integer MCU cannot; 8 bits is the closest, and truncating
/// them is where accuracy is lost first. Pinned layers carry one table instead of eight.
/// </summary>
public sealed class PinLayers : ICompilerPass
{
    public string Name => "PinLayers";

    public void Run(Compilation compilation, DiagnosticBag diagnostics) => Run(compilation.RequireDraft(), compilation.Options);

    public void Run(DraftProgram draft, CompilerOptions options)
    {
        if (!options.PinFirstAndLast || draft.Layers.Count == 0) return;
        var order = draft.Ops.OfType<DraftLayerOp>().Select(o => o.Layer).ToList();
        draft.Layers[order[0]].Pinned = true;
        draft.Layers[order[^1]].Pinned = true;
    }
}
