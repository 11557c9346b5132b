using TruncEdge.Model.Diagnostics;
using TruncEdge.Toolchain;

namespace TruncEdge.Toolchain.Tests;

[Collection(ToolchainCollection.Name)]
public sealed class QemuRunTests(ToolchainFixture fx)
{
    public static TheoryData<string> FirmwareTargets() =>
        new(TargetCatalog.LoadDefault().Targets.Where(t => !t.IsHost).Select(t => t.Name));

    [QemuTheory]
    [MemberData(nameof(FirmwareTargets))]
    public void The_fixture_gives_the_host_outputs_on_every_target(string target)
    {
        var samples = TinyModel.Samples(20);
        var runner = new HarnessRunner(fx.Catalog);
        var host = runner.Run(fx.Build("host"), samples, TinyModel.AllBits, trace: true);
        var guest = runner.Run(fx.Build(target), samples, TinyModel.AllBits, trace: true);
        TinyModel.AssertOutputs(samples, TinyModel.AllBits, guest.Outputs);
        for (var s = 0; s < samples.Count; s++)
        {
            for (var b = 0; b < TinyModel.AllBits.Length; b++)
            {
                Assert.Equal(host.Outputs[s][b], guest.Outputs[s][b]);
                for (var op = 0; op < TinyModel.OpCount; op++) Assert.Equal(host.Traces![s][b][op], guest.Traces![s][b][op]);
            }
        }
    }

    [QemuTheory]
    [InlineData("cortex-m4", "HardFault")]
    [InlineData("cortex-m33", "HardFault")]
    [InlineData("cortex-m0", "HardFault")]
    [InlineData("cortex-m0plus", "HardFault")]
    [InlineData("riscv32", "breakpoint")]
    public void A_faulting_guest_is_reported_as_a_crash(string target, string fault)
    {
        var e = Assert.Throws<DiagnosticException>(() => new HarnessRunner(fx.Catalog).Run(fx.Build(target), [TinyModel.Crash], [8]));
        Assert.Equal(ToolchainDiagnosticCodes.GuestCrashed, e.Diagnostic.Code);
        Assert.Contains("guest crashed", e.Message);
        Assert.Contains(fault, e.Message);
        Assert.Contains(target, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [QemuTheory]
    [InlineData("cortex-m4", "stack overflow")] // found at exit: the painted stack end was overwritten
    [InlineData("riscv32", "stack overflow")]
    [InlineData("cortex-m33", "HardFault")]     // MSPLIM: a precise fault at once
    [InlineData("cortex-m55", "HardFault")]
    [InlineData("cortex-m0", "locked up")]       // the stack runs below RAM; QEMU stops the CPU
    [InlineData("cortex-m0plus", "stack overflow")]
    public void A_stack_overflow_is_reported_as_a_crash(string target, string what)
    {
        var e = Assert.Throws<DiagnosticException>(() => new HarnessRunner(fx.Catalog).Run(fx.Build(target), [TinyModel.StackHog], [8]));
        Assert.Equal(ToolchainDiagnosticCodes.GuestCrashed, e.Diagnostic.Code);
        Assert.Contains(what, e.Message);
    }

    [QemuTheory]
    [InlineData("cortex-m0")]     // the micro:bit's Cortex-M0 itself
    [InlineData("cortex-m0plus")] // Armv6-M code on the AN385's Cortex-M3: the start-up sets CCR.UNALIGN_TRP
    public void A_misaligned_load_faults_on_Armv6_M_as_on_the_real_part(string target)
    {
        var e = Assert.Throws<DiagnosticException>(() => new HarnessRunner(fx.Catalog).Run(fx.Build(target), [TinyModel.Misaligned], [8]));
        Assert.Equal(ToolchainDiagnosticCodes.GuestCrashed, e.Diagnostic.Code);
        Assert.Contains("HardFault", e.Message);
    }

    [QemuFact]
    public void A_misaligned_load_works_on_Armv7_M()
    {
        var r = new HarnessRunner(fx.Catalog).Run(fx.Build("cortex-m3"), [TinyModel.Misaligned], [8]);
        TinyModel.AssertOutputs([TinyModel.Misaligned], [8], r.Outputs);
    }

    [Fact]
    public void The_stack_hog_is_harmless_on_the_host()
    {
        var r = new HarnessRunner(fx.Catalog).Run(fx.Build("host"), [TinyModel.StackHog], [8]);
        TinyModel.AssertOutputs([TinyModel.StackHog], [8], r.Outputs);
    }

    [QemuTheory]
    [InlineData("cortex-m4")]
    [InlineData("riscv32")]
    public void An_infinite_loop_in_the_guest_is_a_timeout(string target)
    {
        var e = Assert.Throws<DiagnosticException>(() =>
            new HarnessRunner(fx.Catalog).Run(fx.Build(target), [TinyModel.Hang], [8], timeout: TimeSpan.FromSeconds(2)));
        Assert.Equal(ToolchainDiagnosticCodes.Timeout, e.Diagnostic.Code);
        Assert.Contains("did not finish within 2 s", e.Message);
    }

    [QemuFact]
    public void A_short_sample_is_a_harness_input_error_under_qemu_too()
    {
        var e = Assert.Throws<DiagnosticException>(() => new HarnessRunner(fx.Catalog).Run(fx.Build("cortex-m4"), [new byte[5]], [8]));
        Assert.Equal(ToolchainDiagnosticCodes.HarnessIoError, e.Diagnostic.Code);
    }
}
