using System.Globalization;
using TruncEdge.Model.Diagnostics;

namespace TruncEdge.Compiler.Program;

/// <summary>
/// Sets of weight bit widths k (1..8): the deployed set of a Program (<see cref="IntegerProgram.DeployedBits"/>)
/// and the k a run asks for. The one place their mask, their text and the "is it deployed" check live.
/// </summary>
public static class WeightBits
{
    /// <summary>k = 1..8, the default deployed set.</summary>
    public static readonly IReadOnlyList<int> All = [1, 2, 3, 4, 5, 6, 7, 8];

    /// <summary>True when <paramref name="bits"/> is all of 1..8.</summary>
    public static bool IsAll(IReadOnlyList<int> bits) => bits.Count == 8 && bits.Distinct().Count() == 8 && bits.All(k => k is >= 1 and <= 8);

    /// <summary>Bit k - 1 set for every k: 0xFF for all of 1..8, 0x8A for 2, 4, 8.</summary>
    public static int Mask(IEnumerable<int> bits) => bits.Aggregate(0, (m, k) => m | (1 << (k - 1)));

    /// <summary>"1-8" for every k, else the list ascending: "2,4,8".</summary>
    public static string Text(IEnumerable<int> bits)
    {
        var sorted = bits.Distinct().Order().ToList();
        return sorted.Count == 8 ? "1-8" : string.Join(",", sorted.Select(k => k.ToString(CultureInfo.InvariantCulture)));
    }

    /// <summary>
    /// Refuses (TE2081) a bit width the Program carries no tables for: the C built from it
    /// returns TE_ERR_BITS_NOT_DEPLOYED there, and the reference has nothing to run.
    /// </summary>
    public static void RequireDeployed(IntegerProgram program, IEnumerable<int> bits, string option = "--bits")
    {
        var missing = bits.Where(k => !program.DeployedBits.Contains(k)).Distinct().Order().ToList();
        if (missing.Count == 0) return;
        throw new DiagnosticException("TE2081",
            $"{option} asks for weight bits {Text(missing)}, which the model is not compiled for: expected bit widths within the deployed set {Text(program.DeployedBits)} (--deploy-bits, --store-bits)");
    }
}
