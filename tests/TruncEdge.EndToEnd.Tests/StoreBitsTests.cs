using TruncEdge.Compiler;
using TruncEdge.Compiler.Passes;
using TruncEdge.Compiler.Program;
using TruncEdge.Model.Diagnostics;
using TruncEdge.Toolchain;
using TruncEdge.Toolchain.Verification;
using TruncEdge.Toolchain.Workflow;
using Xunit.Abstractions;

namespace TruncEdge.EndToEnd.Tests;

/// <summary>
/// Weights stored at S &lt; 8 bits (`--store-bits S`): the emitted C unpacks the packed codes of
/// every layer that is not pinned before its kernel call and is bit-exact with the reference at
/// every k &lt;= S (host with ASan and UBSan, and under QEMU), and refuses k &gt; S at run time.
/// </summary>
public sealed class StoreBitsTests(ITestOutputHelper output)
{
    private static readonly TargetCatalog Catalog = TargetCatalog.LoadDefault();

    private static CompiledModel Compile(int seed, int store, IReadOnlyList<int>? deploy = null)
    {
        var c = RandomModels.Make(seed);
        var options = new CompilerOptions { PinFirstAndLast = c.Pin, StoreBits = store, DeployBits = deploy, SourceFile = $"random{seed}.onnx" };
        return new CompiledModel(new CompilerPipeline().Compile(c.Graph, options), c.Graph, $"random{seed}.onnx", $"seed{seed}");
    }

    private void VerifyAtEveryK(CompiledModel compiled, string target, int samples, int seed)
    {
        var p = compiled.Program;
        var bits = p.DeployedBits;
        var report = new Verifier(Catalog).Verify(compiled, new VerifyOptions
        {
            Target = Catalog.Get(target), Bits = bits, Samples = samples, Seed = seed, Sanitize = target == "host",
        });
        Assert.True(report.Passed, $"seed {seed} on {target}, stored at {ProgramStatistics.StoreBits(p)} bits, k = {WeightBits.Text(bits)}: {report.FirstMismatch}");
        Assert.Equal((long)samples * bits.Count * (p.Ops.Count + 1), report.ComparedTensors);
        output.WriteLine($"seed {seed} on {target}: {p.Layers.Count(l => l.IsPacked)} of {p.Layers.Count} layers packed at " +
                         $"{ProgramStatistics.StoreBits(p)} bits, k = {WeightBits.Text(bits)}, {report.ComparedTensors} tensors bit-exact");
    }

    [Fact]
    public void EmittedCIsBitExactAtEveryKUpToTheStoredBitsOnTheHost()
    {
        // One random model per S = 1..7 (RandomBitExactTests covers S = 8); RandomModels cover odd
        // channel counts, depthwise, residuals and dense heads, so code counts that are not
        // multiples of 32 come up often.
        var packedLayers = 0;
        for (var seed = 0; seed < 7; seed++)
        {
            var store = 1 + seed % 7;
            var compiled = Compile(40 + seed, store);
            Assert.Equal(Enumerable.Range(1, store), compiled.Program.DeployedBits);
            packedLayers += compiled.Program.Layers.Count(l => l.IsPacked);
            VerifyAtEveryK(compiled, "host", 3, 40 + seed);
        }
        Assert.True(packedLayers >= 7, $"only {packedLayers} layers were packed");
    }

    [Theory]
    [InlineData("cortex-m4")]
    [InlineData("riscv32")]
    public void EmittedCIsBitExactAtStoreBitsFourUnderQemu(string target)
    {
        for (var seed = 60; seed < 62; seed++)
        {
            VerifyAtEveryK(Compile(seed, 4), target, 2, seed);
        }
    }

    [Fact]
    public void AboveTheStoredBitsTheModelReturnsBitsNotDeployed()
    {
        var compiled = Compile(3, 4);
        using var build = new Workbench(Catalog).Build(compiled, Catalog.Get("host"), new ModelBuildOptions { Sanitize = true });
        var input = new byte[compiled.Program.InputTensor.Shape.Size];
        Assert.Equal(2, build.Run([input], [4, 1]).Outputs[0].Length);

        var e = Assert.Throws<DiagnosticException>(() => build.Run([input], [5]));
        Assert.Contains("TE_ERR_BITS_NOT_DEPLOYED (-9)", e.Message, StringComparison.Ordinal);
    }
}
