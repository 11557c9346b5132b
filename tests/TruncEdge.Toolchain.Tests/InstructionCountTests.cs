using TruncEdge.Model.Diagnostics;
using TruncEdge.Toolchain;

namespace TruncEdge.Toolchain.Tests;

[Collection(ToolchainCollection.Name)]
public sealed class InstructionCountTests(ToolchainFixture fx)
{
    [QemuTheory]
    [InlineData("cortex-m4")]
    [InlineData("cortex-m33")]
    [InlineData("riscv32")]
    public void Counts_are_identical_across_two_runs_and_outputs_are_right(string target)
    {
        var counter = new InstructionCounter(fx.Catalog);
        var build = fx.Build(target, ImageKind.Bench);
        var input = TinyModel.Samples(3)[2];
        int[] bits = [8, 4, 1];
        var first = counter.Count(build, input, bits);
        var second = counter.Count(build, input, bits);

        Assert.Equal(bits.Length, first.Counts.Count);
        for (var b = 0; b < bits.Length; b++)
        {
            var c = first.Counts[b];
            Assert.Equal(bits[b], c.Bits);
            Assert.Equal(c.Total, second.Counts[b].Total);
            Assert.Equal(c.PerOp, second.Counts[b].PerOp);
            Assert.Equal(TinyModel.OpCount, c.PerOp.Count);
            // 4 x 12 MACs plus 12 scalings: at least a few hundred instructions, far below a million.
            Assert.InRange(c.Total, 100UL, 100_000UL);
            Assert.All(c.PerOp, n => Assert.True(n > 10, $"op count {n}"));
            // The traced run costs the untraced one plus a few instructions of hook per op.
            var sum = c.PerOp.Aggregate(0UL, (a, n) => a + n);
            Assert.InRange(sum, c.Total, c.Total + 60UL * (ulong)TinyModel.OpCount);
            Assert.Equal(TinyModel.Outputs(input, bits[b]), first.Outputs[b]);
        }
        Assert.InRange(first.StackBytesUsed, 16UL, 4096UL);
    }

    [QemuFact]
    public void The_dense_op_costs_the_same_at_every_bit_width_of_the_fixture()
    {
        // The fixture's kernels do the same work at every bit width: a sanity check that the
        // counts measure the code, not noise.
        var result = new InstructionCounter(fx.Catalog).Count(fx.Build("cortex-m4", ImageKind.Bench), TinyModel.Samples(3)[2], [8, 7, 6]);
        Assert.Single(result.Counts.Select(c => c.PerOp[1]).Distinct());
    }

    [Fact]
    public void Counting_needs_the_bench_image()
    {
        var e = Assert.Throws<DiagnosticException>(() => new InstructionCounter(fx.Catalog).Count(fx.Build("host"), new byte[12], [8]));
        Assert.Equal(ToolchainDiagnosticCodes.CountFailed, e.Diagnostic.Code);
    }

    [Fact]
    public void Marker_sequences_parse_into_totals_and_per_op_counts()
    {
        string[] lines = ["B 100", "E 110", "B 200", "E 1210", "B 2000", "O 2500", "O 3030", "E 3040", "T 5000"];
        var counts = InstructionCounter.Parse(lines, [8], 2, "x.elf");
        Assert.Equal(1000UL, counts[0].Total);
        Assert.Equal([500UL, 530UL], counts[0].PerOp);

        var e = Assert.Throws<DiagnosticException>(() => InstructionCounter.Parse(lines[..^2], [8], 2, "x.elf"));
        Assert.Contains("expected 8", e.Message);
    }

    [Fact]
    public void Kernel_path_names_come_from_the_runtime_enum_and_masks_parse_per_op()
    {
        var header = TruncEdge.Emitter.RuntimeSources.Embedded.Read("src/te_internal.h");
        var names = TruncEdge.Toolchain.Benchmarking.KernelPaths.Names(header);
        var count = int.Parse(System.Text.RegularExpressions.Regex.Match(header, @"TE_PATH_COUNT\s*=\s*(\d+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(Enumerable.Range(0, count), names.Keys);
        Assert.Equal("conv-block", names[6]);
        Assert.Equal("epi-hi", names[8]);

        var paths = TruncEdge.Toolchain.Benchmarking.KernelPaths.Parse(
            ["te-bench: stack 12", "te-paths: bits 4", "te-paths: op 0 320", "te-paths: op 1 0", "te-paths: bits 1", "te-paths: op 0 64"], names, "x.elf");
        Assert.Equal(["conv-block", "epi-hi"], paths[(4, 0)]);
        Assert.Empty(paths[(4, 1)]);
        Assert.Equal(["conv-block"], paths[(1, 0)]);
        Assert.Throws<DiagnosticException>(() => TruncEdge.Toolchain.Benchmarking.KernelPaths.Parse(["te-paths: op 0 1"], names, "x.elf"));
    }
}
