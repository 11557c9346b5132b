using TruncEdge.Compiler.Program;
using TruncEdge.Model.Diagnostics;

namespace TruncEdge.Compiler.Passes;

/// <summary>
/// Keeps the requantization tables of the deployed weight bit widths only (`--deploy-bits`, a
/// product ships the k it uses and saves the flash of the rest). Tables are computed per k
/// independently, so a deployed k keeps exactly the integers of the full Program. Pinned layers
/// run at 8 and keep their one table, which is why 8 must be deployed when a layer is pinned.
/// </summary>
public sealed class SelectDeployedBits
{
    public void Run(IntegerProgram program, CompilerOptions options)
    {
        var bits = Check(options.DeployBits, program, options.SourceFile);
        foreach (var layer in program.Layers.Where(l => !l.Pinned))
        {
            for (var k = 1; k <= 8; k++)
            {
                if (!bits.Contains(k)) layer.Tables[k - 1] = null;
            }
        }
        program.DeployedBits = bits;
    }

    /// <summary>The deployed set, ascending and without repeats; TE2080 when it cannot be deployed.</summary>
    private static List<int> Check(IReadOnlyList<int> requested, IntegerProgram program, string file)
    {
        if (requested.Count == 0)
            throw new DiagnosticException("TE2080", "no weight bit width to deploy: expected a non-empty list within 1..8 such as 8,4,2", file);
        var outside = requested.Where(k => k is < 1 or > 8).ToList();
        if (outside.Count > 0)
            throw new DiagnosticException("TE2080", $"cannot deploy weight bits {outside[0]}: expected bit widths within 1..8", file);
        var bits = requested.Distinct().Order().ToList();
        var pinned = program.Layers.Where(l => l.Pinned).ToList();
        if (!bits.Contains(8) && pinned.Count > 0)
        {
            throw new DiagnosticException("TE2080",
                $"the deployed weight bits {WeightBits.Text(bits)} leave out 8, but {pinned.Count} layer(s) ('{string.Join("', '", pinned.Select(l => l.Name))}') are pinned at 8 bits: add 8 to the deployed set (--deploy-bits), or compile with --no-pin",
                file);
        }
        return bits;
    }
}
