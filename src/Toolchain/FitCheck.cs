using System.Globalization;
using TruncEdge.Model.Diagnostics;

namespace TruncEdge.Toolchain;

/// <summary>
/// Refuses a model that cannot fit the flash or RAM of the real board a target stands for
/// (target.json "board"), with the numbers in the message. QEMU's memories are far larger than
/// real parts, so a run under QEMU proves nothing about fit; this check does.
/// </summary>
public static class FitCheck
{
    /// <summary>Checks a built image (its <see cref="SizeReport"/>) against the target's board.</summary>
    public static void Check(Target target, SizeReport size)
    {
        if (target.Board is not { } board) return;
        var flash = $"code {B(size.Code)} + weights {B(size.Weights)} + constants {B(size.Constants)} + data {B(size.DataInit)}";
        var ram = $"arena {B(size.Arena)} + stack {B(size.Stack)} + data {B(size.OtherData)}";
        Compare(target, board, size.FlashBytes, flash, size.RamBytes, ram);
    }

    /// <summary>
    /// Checks a plan before anything is built: the weights and other constants must fit the
    /// flash, the arena plus the target's stack the RAM. Code is not known yet and counts as 0,
    /// so a model that passes here can still fail <see cref="Check(Target, SizeReport)"/>.
    /// <paramref name="unpackedCodesBytes"/>: the largest buffer of codes stored below 8 bits
    /// that the arena holds during a call (`--store-bits`), named in the message because a larger
    /// S is the way out.
    /// </summary>
    public static void CheckPlan(Target target, ulong weightBytes, ulong constantBytes, ulong arenaBytes, ulong unpackedCodesBytes = 0)
    {
        if (target.Board is not { } board) return;
        var stack = target.Memory?.StackBytes ?? 0;
        var arena = unpackedCodesBytes == 0 ? $"arena {B(arenaBytes)}"
            : $"arena {B(arenaBytes)}, of which up to {B(unpackedCodesBytes)} unpacked weight codes of --store-bits";
        Compare(target, board,
            weightBytes + constantBytes, $"weights {B(weightBytes)} + constants {B(constantBytes)}",
            arenaBytes + stack, $"{arena} + stack {B(stack)}");
    }

    private static void Compare(Target target, Board board, ulong flash, string flashParts, ulong ram, string ramParts)
    {
        var problems = new List<string>();
        if (flash > board.FlashBytes) problems.Add($"flash needs {B(flash)} ({flashParts}) but {board.Name} has {B(board.FlashBytes)}");
        if (ram > board.RamBytes) problems.Add($"RAM needs {B(ram)} ({ramParts}) but {board.Name} has {B(board.RamBytes)}");
        if (problems.Count > 0)
        {
            throw new DiagnosticException(ToolchainDiagnosticCodes.DoesNotFit,
                $"the model does not fit target '{target.Name}': {string.Join("; ", problems)}");
        }
    }

    private static string B(ulong bytes) => bytes.ToString("N0", CultureInfo.InvariantCulture) + " B";
}
