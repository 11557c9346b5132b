using TruncEdge.Compiler.Program;
using TruncEdge.Model.Diagnostics;

namespace TruncEdge.Compiler.Passes;

/// <summary>
/// Keeps the requantization tables of the deployed weight bit widths only (`--deploy-bits`, a
/// product ships the k it uses and saves the flash of the rest): by default every k the stored
/// codes allow, 1..S (`--store-bits S`). Tables are computed per k independently, so a deployed
/// k keeps exactly the integers of the full Program. Pinned layers run at 8 and keep their one
/// table whatever the set.
/// </summary>
public sealed class SelectDeployedBits : ICompilerPass
{
    public string Name => "SelectDeployedBits";

    public void Run(Compilation compilation, DiagnosticBag diagnostics) => Run(compilation.RequireProgram(), compilation.Options);

    public void Run(IntegerProgram program, CompilerOptions options)
    {
        var bits = Check(options, options.SourceFile);
        foreach (var layer in program.Layers.Where(l => !l.Pinned))
        {
            for (var k = 1; k <= 8; k++)
            {
                if (!bits.Contains(k)) layer.Tables[k - 1] = null;
            }
            layer.Stored = layer.Stored?.Keep(bits);
        }
        program.DeployedBits = bits;
    }

    /// <summary>The deployed set, ascending and without repeats; TE2080 when it cannot be deployed.</summary>
    private static List<int> Check(CompilerOptions options, string file)
    {
        var store = options.StoreBits;
        if (store is < 1 or > 8)
            throw new DiagnosticException("TE2082", $"cannot store weights at {store} bits: expected --store-bits within 1..8", file);
        if (options.DeployBits is not { } requested)
            return Enumerable.Range(1, store).ToList();
        if (requested.Count == 0)
            throw new DiagnosticException("TE2080", "no weight bit width to deploy: expected a non-empty list within 1..8 such as 8,4,2", file);
        var outside = requested.Where(k => k is < 1 or > 8).ToList();
        if (outside.Count > 0)
            throw new DiagnosticException("TE2080", $"cannot deploy weight bits {outside[0]}: expected bit widths within 1..8", file);
        var above = requested.Where(k => k > store).Distinct().Order().ToList();
        if (above.Count > 0)
        {
            throw new DiagnosticException("TE2080",
                $"cannot deploy weight bits {WeightBits.Text(above)} with weights stored at {store} bits: expected bit widths within 1..{store} (--deploy-bits), or a larger --store-bits",
                file);
        }
        return requested.Distinct().Order().ToList();
    }
}
