using TruncEdge.Toolchain;

namespace TruncEdge.Toolchain.Tests;

/// <summary>
/// The real C runtime (runtime-c/src kernels, runtime-c/harness) with its hand-written fake
/// model (runtime-c/tests/fake_model), assembled in the emitted layout from this checkout: every
/// QEMU target must give the host's outputs and traces bit for bit, at every weight bit width.
/// </summary>
[Collection(ToolchainCollection.Name)]
public sealed class RuntimeFakeModelTests(ToolchainFixture fx)
{
    private const int InputSize = 36;

    public static TheoryData<string> FirmwareTargets() => QemuRunTests.FirmwareTargets();

    [QemuTheory]
    [MemberData(nameof(FirmwareTargets))]
    public void Runtime_kernels_agree_with_the_host_on_every_target(string target)
    {
        var random = new Random(42);
        var samples = Enumerable.Range(0, 12).Select(_ =>
        {
            var s = new byte[InputSize];
            random.NextBytes(s);
            return s;
        }).ToList();
        samples.Add(new byte[InputSize]);
        samples.Add(Enumerable.Repeat((byte)255, InputSize).ToArray());
        int[] bits = [1, 2, 3, 4, 5, 6, 7, 8];

        var runner = new HarnessRunner(fx.Catalog);
        var host = runner.Run(fx.Build("host", sanitize: true, folder: fx.RuntimeModelDirectory), samples, bits, trace: true);
        var guest = runner.Run(fx.Build(target, folder: fx.RuntimeModelDirectory), samples, bits, trace: true);
        Assert.Equal(host.Output.OpCount, guest.Output.OpCount);
        for (var s = 0; s < samples.Count; s++)
        {
            for (var b = 0; b < bits.Length; b++)
            {
                Assert.True(host.Outputs[s][b].SequenceEqual(guest.Outputs[s][b]), $"sample {s}, bits {bits[b]}: outputs differ");
                for (var op = 0; op < host.Output.OpCount; op++)
                {
                    Assert.True(host.Traces![s][b][op].AsSpan().SequenceEqual(guest.Traces![s][b][op]), $"sample {s}, bits {bits[b]}, op {op}: traces differ");
                }
            }
        }
    }

    [QemuFact]
    public void Runtime_fake_model_bench_counts_are_repeatable_on_cortex_m4()
    {
        var counter = new InstructionCounter(fx.Catalog);
        var build = fx.Build("cortex-m4", ImageKind.Bench, folder: fx.RuntimeModelDirectory);
        var input = Enumerable.Range(0, InputSize).Select(i => (byte)(i * 7)).ToArray();
        var a = counter.Count(build, input, [8, 2]);
        var b = counter.Count(build, input, [8, 2]);
        Assert.Equal(a.Counts.Select(c => c.Total), b.Counts.Select(c => c.Total));
        Assert.Equal(a.Counts.SelectMany(c => c.PerOp), b.Counts.SelectMany(c => c.PerOp));
        var host = new HarnessRunner(fx.Catalog).Run(fx.Build("host", folder: fx.RuntimeModelDirectory), [input], [8, 2]);
        Assert.Equal(host.Outputs[0], a.Outputs);
    }
}
