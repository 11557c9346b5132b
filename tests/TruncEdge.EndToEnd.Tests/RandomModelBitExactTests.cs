using TruncEdge.Compiler.Passes;
using TruncEdge.Compiler;
using TruncEdge.Toolchain;
using TruncEdge.Toolchain.Verification;
using Xunit.Abstractions;

namespace TruncEdge.EndToEnd.Tests;

/// <summary>
/// The emitted C, built with the host gcc under ASan and UBSan, against the C# reference on
/// random models at every weight bit width: every intermediate tensor and every output must be
/// identical. Seeds are split over two test classes, which xunit runs in parallel on two cores.
/// </summary>
public abstract class RandomModelBitExactTests(ITestOutputHelper output, int half)
{
    public const int Models = 200;
    public const int Batches = 8;

    public static TheoryData<int> BatchIndices() => [.. Enumerable.Range(0, Batches / 2)];

    [Theory]
    [MemberData(nameof(BatchIndices))]
    public void EmittedCMatchesTheReferenceBitForBit(int quarter)
    {
        var batch = 2 * quarter + half;
        var catalog = TargetCatalog.LoadDefault();
        var host = catalog.Get("host");
        for (var seed = batch; seed < Models; seed += Batches)
        {
            var c = RandomModels.Make(seed);
            var program = new CompilerPipeline().Compile(c.Graph, new CompilerOptions { PinFirstAndLast = c.Pin, SourceFile = $"random{seed}.onnx" });
            var compiled = new CompiledModel(program, c.Graph, $"random{seed}.onnx", $"seed{seed}");
            var report = new Verifier(catalog).Verify(compiled, new VerifyOptions
            {
                Target = host, Bits = [1, 2, 3, 4, 5, 6, 7, 8], Samples = 3, Seed = seed, Sanitize = true,
            });
            Assert.True(report.Passed, $"seed {seed} ({c.Description}): {report.FirstMismatch}");
            Assert.Equal(3L * 8 * (program.Ops.Count + 1), report.ComparedTensors);
            output.WriteLine($"seed {seed}: {program.Ops.Count} ops, {report.ComparedTensors} tensors bit-exact in {report.Elapsed.TotalSeconds:0.0} s");
        }
    }
}

public sealed class RandomModelBitExactEvenTests(ITestOutputHelper output) : RandomModelBitExactTests(output, 0);

public sealed class RandomModelBitExactOddTests(ITestOutputHelper output) : RandomModelBitExactTests(output, 1);
