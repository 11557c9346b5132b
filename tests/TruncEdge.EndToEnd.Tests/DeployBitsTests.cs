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
/// Models compiled for some weight bit widths only (`--deploy-bits`): the C built on the host
/// with ASan and UBSan is bit-exact with the reference at every deployed k, and refuses every
/// other k with TE_ERR_BITS_NOT_DEPLOYED (harness exit status 10 + 9).
/// </summary>
public sealed class DeployBitsTests(ITestOutputHelper output)
{
    private static readonly TargetCatalog Catalog = TargetCatalog.LoadDefault();

    private static CompiledModel Compile(int seed, IReadOnlyList<int> deploy, bool? pin = null)
    {
        var c = RandomModels.Make(seed);
        var options = new CompilerOptions { PinFirstAndLast = pin ?? c.Pin, DeployBits = deploy, SourceFile = $"random{seed}.onnx" };
        return new CompiledModel(new CompilerPipeline().Compile(c.Graph, options), c.Graph, $"random{seed}.onnx", $"seed{seed}");
    }

    [Theory]
    [InlineData(new[] { 8, 4, 2 }, true)]
    [InlineData(new[] { 2, 4 }, false)]
    [InlineData(new[] { 1 }, false)]
    public void EmittedCIsBitExactAtEveryDeployedBitWidth(int[] deploy, bool pin)
    {
        for (var seed = 0; seed < 12; seed += 3)
        {
            var compiled = Compile(seed, deploy, pin);
            var bits = compiled.Program.DeployedBits;
            var report = new Verifier(Catalog).Verify(compiled, new VerifyOptions
            {
                Target = Catalog.Get("host"), Bits = bits, Samples = 3, Seed = seed, Sanitize = true,
            });
            Assert.True(report.Passed, $"seed {seed}, deploy {WeightBits.Text(bits)}: {report.FirstMismatch}");
            Assert.Equal(3L * bits.Count * (compiled.Program.Ops.Count + 1), report.ComparedTensors);
            output.WriteLine($"seed {seed}: deploy {WeightBits.Text(bits)}, {report.ComparedTensors} tensors bit-exact");
        }
    }

    [Fact]
    public void TheHarnessStopsWithBitsNotDeployedAtAnotherK()
    {
        var compiled = Compile(1, [8, 4, 2], pin: true);
        using var build = new Workbench(Catalog).Build(compiled, Catalog.Get("host"), new ModelBuildOptions { Sanitize = true });
        var input = new byte[compiled.Program.InputTensor.Shape.Size];
        Assert.Equal(3, build.Run([input], [8, 4, 2]).Outputs[0].Length);

        var e = Assert.Throws<DiagnosticException>(() => build.Run([input], [8, 3]));
        Assert.Equal(ToolchainDiagnosticCodes.ModelError, e.Diagnostic.Code);
        Assert.Contains("TE_ERR_BITS_NOT_DEPLOYED (-9)", e.Message, StringComparison.Ordinal);
        Assert.Contains("set_weight_bits", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void VerifyRefusesABitWidthThatIsNotDeployedBeforeWritingAnything()
    {
        var compiled = Compile(2, [8, 4, 2], pin: true);
        var keep = Path.Combine(Path.GetTempPath(), "te-deploy-keep-" + Guid.NewGuid().ToString("N")[..8]);
        var e = Assert.Throws<DiagnosticException>(() => new Verifier(Catalog).Verify(compiled, new VerifyOptions
        {
            Target = Catalog.Get("host"), Bits = [1, 8], Samples = 1, WorkDirectory = keep,
        }));
        Assert.Equal("TE2081", e.Diagnostic.Code);
        Assert.Contains("2,4,8", e.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(keep));
    }
}
