using TruncEdge.Compiler;
using TruncEdge.Compiler.Program;
using TruncEdge.Model.Diagnostics;
using TruncEdge.Toolchain.Workflow;

namespace TruncEdge.Toolchain.Benchmarking;

/// <summary>One op's exact cost at one weight bit width, and the kernel paths it ran (te_internal.h
/// names: "conv-block", "epi-hi", ...; empty for ops whose kernels have none to report).</summary>
public sealed record OpCost(int Op, string Kind, string Name, long Macs, ulong Instructions, IReadOnlyList<string> Paths)
{
    /// <summary>Instructions per multiply-accumulate; null for ops without MACs.</summary>
    public double? InstructionsPerMac => Macs > 0 ? (double)Instructions / Macs : null;
}

/// <summary>Exact instruction counts of one inference at one weight bit width.</summary>
public sealed record BitWidthCost(int Bits, ulong Total, long Macs, IReadOnlyList<OpCost> Ops)
{
    public double InstructionsPerMac => Macs > 0 ? (double)Total / Macs : 0;
}

/// <summary>What `truncedge bench` reports: counts per bit width and op, flash and RAM from the ELF,
/// and the weight bit widths the build carries tables for with the bytes of those tables (from the Program).</summary>
public sealed record BenchReport(string Target, string Board, IReadOnlyList<BitWidthCost> Costs, SizeReport Size, ulong StackBytesUsed, int ArenaBytes, int ArenaLowerBound,
    IReadOnlyList<int> DeployedBits, int TableBytes, int StoreBits, int Parameters, int PackedWorkBytes);

/// <summary>
/// Measures a model on a QEMU target: exact instruction counts per inference and per op at each
/// weight bit width (the bench image under the counting plugin), and flash/RAM from the minimal
/// firmware image (the footprint image), with the fit check against the real board.
/// </summary>
public sealed class ModelBench(TargetCatalog catalog)
{
    public BenchReport Run(CompiledModel model, Target target, IReadOnlyList<int> bits, int seed = 1)
    {
        if (target.IsHost)
            throw new DiagnosticException("TE5500", "bench counts instructions under QEMU; choose a firmware target such as cortex-m4");
        WeightBits.RequireDeployed(model.Program, bits);
        var program = model.Program;
        using var build = new Workbench(catalog).Build(model, target);
        // All three images are built before anything runs, and the footprint is fit-checked first:
        // a model that cannot fit the board is refused before QEMU spends time on it.
        build.Image(ImageKind.Bench);
        build.Image(ImageKind.BenchPaths);
        var footprint = build.Image(ImageKind.Footprint);
        var size = SizeReport.FromElf(footprint.ExecutablePath) with
        {
            RuntimeCode = footprint.MapPath is { } map && footprint.RuntimeObjects.Count > 0 ? LinkerMap.CodeBytes(map, footprint.RuntimeObjects) : null,
        };
        FitCheck.Check(target, size);

        var input = RandomInputs.Draw(new Random(seed), 1, program.InputTensor.Shape.Size)[0];
        var counted = build.Count(ImageKind.Bench, input, bits);
        var paths = KernelPaths.Parse(build.Count(ImageKind.BenchPaths, input, bits).Console,
            KernelPaths.Names(File.ReadAllText(Path.Combine(build.Folder, "truncedge", "src", "te_internal.h"))), build.Image(ImageKind.BenchPaths).ExecutablePath);

        // The bench image must compute what the reference computes, or its counts mean nothing.
        for (var b = 0; b < bits.Count; b++)
        {
            var expected = build.Expected(input, bits[b]);
            if (!expected.SequenceEqual(counted.Outputs.Length > b ? counted.Outputs[b] : []))
                throw new InvalidOperationException($"the bench image on {target.Name} disagrees with the reference at {bits[b]} bits; run 'truncedge verify'");
        }

        var stats = ProgramStatistics.PerOp(program);
        var costs = counted.Counts.Select(c => new BitWidthCost(c.Bits, c.Total, stats.Sum(s => s.Macs),
            stats.Select((s, i) => new OpCost(i, s.Kind, s.Name, s.Macs, i < c.PerOp.Count ? c.PerOp[i] : 0,
                paths.TryGetValue((c.Bits, i), out var p) ? p : [])).ToList())).ToList();
        return new BenchReport(target.Name, target.Board?.Name ?? "", costs, size, counted.StackBytesUsed, program.ArenaSize, program.ArenaLowerBound,
            program.DeployedBits, ProgramStatistics.TableBytes(program), ProgramStatistics.StoreBits(program), ProgramStatistics.Parameters(program),
            program.PackedWork.Select(u => u.Bytes).DefaultIfEmpty(0).Max());
    }
}
