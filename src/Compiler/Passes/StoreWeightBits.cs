using TruncEdge.Compiler.Program;

namespace TruncEdge.Compiler.Passes;

/// <summary>
/// Layers that are not pinned store the top S bits of each weight code (`--store-bits S`, after
/// SelectDeployedBits has checked S): truncation to any deployed k &lt;= S reads nothing else.
/// The emitter packs them (<see cref="PackedCodes"/>); PlanArena gives their ops a buffer to
/// unpack into. Pinned layers run at 8 and keep every bit.
/// </summary>
public sealed class StoreWeightBits : ICompilerPass
{
    public string Name => "StoreWeightBits";

    public void Run(Compilation compilation, DiagnosticBag diagnostics) => Run(compilation.RequireProgram(), compilation.Options);

    public void Run(IntegerProgram program, CompilerOptions options)
    {
        foreach (var layer in program.Layers)
        {
            layer.StoreBits = layer.Pinned ? 8 : options.StoreBits;
        }
    }
}
