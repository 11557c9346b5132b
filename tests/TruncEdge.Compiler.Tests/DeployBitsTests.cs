using TruncEdge.Compiler.Passes;
using TruncEdge.Compiler.Program;
using TruncEdge.Compiler.Reference;
using TruncEdge.Model.Building;
using TruncEdge.Model.Diagnostics;
using TruncEdge.Model.Graph;
using TruncEdge.Model.TruncQuant;

namespace TruncEdge.Compiler.Tests;

/// <summary>
/// `--deploy-bits`: the Program keeps the tables of the deployed weight bit widths only, with
/// exactly the integers of the full Program, and refuses sets it cannot deploy.
/// </summary>
public class DeployBitsTests
{
    private static float[] W(int n, double scale = 0.3) => Enumerable.Range(0, n).Select(i => (float)(Math.Sin(i * 1.3 + n) * scale)).ToArray();

    /// <summary>conv 3x3 -> conv 3x3 -> dense: pinned first and last, one layer free in the middle.</summary>
    private static ModelGraph ThreeLayers()
    {
        var b = new TruncQuantGraphBuilder("deploy", WeightQuantizer.TruncQuant, [1, 2, 4, 8], 4);
        var x = b.InputU8(1, 6, 6);
        x = b.ActQuant(b.Conv(x, W(4 * 9), 4, 3, 3, pads: (1, 1, 1, 1)));
        x = b.ActQuant(b.Conv(x, W(4 * 4 * 9), 4, 3, 3, pads: (1, 1, 1, 1)));
        x = b.Gemm(b.Flatten(x), W(3 * 4 * 36), 3, W(3));
        return b.Build(x);
    }

    private static IntegerProgram Compile(IReadOnlyList<int> deploy, bool pin = true) =>
        new CompilerPipeline().Compile(ThreeLayers(), new CompilerOptions { DeployBits = deploy, PinFirstAndLast = pin, SourceFile = "deploy.onnx" });

    private static DiagnosticException Refused(IReadOnlyList<int> deploy, bool pin = true) =>
        Assert.Throws<DiagnosticException>(() => Compile(deploy, pin));

    [Fact]
    public void TheDefaultDeploysEveryBitWidth()
    {
        var p = Compile(WeightBits.All);
        Assert.Equal([1, 2, 3, 4, 5, 6, 7, 8], p.DeployedBits);
        Assert.Equal([1, 2, 3, 4, 5, 6, 7, 8], p.Layers[1].SupportedBits);
        Assert.Null(new CompilerOptions().DeployBits); // null: every k the stored bits allow
        Assert.Equal([1, 2, 3, 4, 5, 6, 7, 8], new CompilerPipeline().Compile(ThreeLayers(), new CompilerOptions()).DeployedBits);
    }

    [Fact]
    public void OnlyTheDeployedTablesAreKeptWithTheSameIntegers()
    {
        var full = Compile(WeightBits.All);
        var part = Compile([8, 4, 2]);
        Assert.Equal([2, 4, 8], part.DeployedBits);
        Assert.True(part.Layers[0].Pinned && part.Layers[2].Pinned && !part.Layers[1].Pinned);
        Assert.Equal([8], part.Layers[0].SupportedBits);
        Assert.Equal([2, 4, 8], part.Layers[1].SupportedBits);
        Assert.Equal([8], part.Layers[2].SupportedBits);
        foreach (var k in part.Layers[1].SupportedBits)
        {
            var (a, b) = (full.Layers[1].TableFor(k), part.Layers[1].TableFor(k));
            Assert.Equal(a.Bias, b.Bias);
            Assert.Equal(a.Multiplier, b.Multiplier);
            Assert.Equal(a.PreShift, b.PreShift);
            Assert.Equal(a.Shift, b.Shift);
        }

        // The reference executor, unchanged, computes the same integers at every deployed k.
        var rng = new Random(3);
        var (rf, rp) = (new ReferenceExecutor(full), new ReferenceExecutor(part));
        for (var s = 0; s < 5; s++)
        {
            var input = new byte[full.InputTensor.Shape.Size];
            rng.NextBytes(input);
            foreach (var k in part.DeployedBits)
            {
                var (a, b) = (rf.Run(input, BitWidths.All(full, k), true), rp.Run(input, BitWidths.All(part, k), true));
                Assert.Equal(a.Output, b.Output);
                Assert.Equal(a.OpOutputs!.Select(Convert.ToHexString), b.OpOutputs!.Select(Convert.ToHexString));
            }
        }
    }

    [Fact]
    public void TableBytesShrinkByTheRowsLeftOut()
    {
        var full = Compile(WeightBits.All);
        var part = Compile([8, 4, 2]);
        // Layer 1 (not pinned, 4 channels, no residual, one BatchNorm for every k): one row of
        // constants that every k shares, and per k 7 B; 5 of its 8 steps go, the row stays.
        var row = part.Layers[1].Stored!.Rows.Single();
        var rowBytes = 4 * (4 + 4 + (row.PreShift is null ? 0 : 1) + (row.Shift is null ? 0 : 1));
        Assert.Equal(ProgramStatistics.TableBytes(full) - 5 * StoredRequant.StepBytes, ProgramStatistics.TableBytes(part));
        Assert.Equal(rowBytes + 3 * StoredRequant.StepBytes, ProgramStatistics.TableBytes(part.Layers[1]));
        Assert.Equal(ProgramStatistics.TableBytes(full.Layers[0]), ProgramStatistics.TableBytes(part.Layers[0]));
    }

    [Fact]
    public void TheSetIsSortedAndRepeatsAreDropped() =>
        Assert.Equal([2, 4, 8], Compile([8, 2, 4, 2]).DeployedBits);

    [Fact]
    public void WithoutPinnedLayersEightMayBeLeftOut()
    {
        var p = Compile([4, 2], pin: false);
        Assert.Equal([2, 4], p.DeployedBits);
        Assert.All(p.Layers, l => Assert.Equal([2, 4], l.SupportedBits));
        // one shared row per layer (int32 bias and multiplier, int8 shifts unless one for the
        // layer) and two steps
        Assert.Equal(p.Layers.Sum(l => l.OutChannels * (8 + (l.Stored!.Rows.Single().Shift is null ? 0 : 1)) + 2 * StoredRequant.StepBytes),
            ProgramStatistics.TableBytes(p));
    }

    [Theory]
    [InlineData(new int[0], "non-empty")]
    [InlineData(new[] { 0, 8 }, "within 1..8")]
    [InlineData(new[] { 8, 9 }, "within 1..8")]
    public void SetsOutsideOneToEightAreRefused(int[] deploy, string expected)
    {
        var e = Refused(deploy);
        Assert.Equal("TE2080", e.Diagnostic.Code);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void PinnedLayersKeepTheirEightBitTableWhenEightIsNotDeployed()
    {
        var full = Compile(WeightBits.All);
        var p = Compile([4, 2]);
        Assert.Equal([2, 4], p.DeployedBits);
        Assert.Equal([8], p.Layers[0].SupportedBits);
        Assert.Equal([2, 4], p.Layers[1].SupportedBits);
        Assert.Equal([8], p.Layers[2].SupportedBits);
        var input = new byte[full.InputTensor.Shape.Size];
        new Random(5).NextBytes(input);
        foreach (var k in p.DeployedBits)
        {
            Assert.Equal(new ReferenceExecutor(full).Run(input, BitWidths.All(full, k)).Output, new ReferenceExecutor(p).Run(input, BitWidths.All(p, k)).Output);
        }
    }

    [Fact]
    public void AskingForABitWidthThatIsNotDeployedIsRefused()
    {
        var p = Compile([8, 4, 2]);
        WeightBits.RequireDeployed(p, [2, 8]);
        var e = Assert.Throws<DiagnosticException>(() => WeightBits.RequireDeployed(p, [1, 2, 3]));
        Assert.Equal("TE2081", e.Diagnostic.Code);
        Assert.Contains("--bits asks for weight bits 1,3", e.Message, StringComparison.Ordinal);
        Assert.Contains("deployed set 2,4,8", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MaskAndText()
    {
        Assert.Equal(0x8A, WeightBits.Mask([2, 4, 8]));
        Assert.Equal(0xFF, WeightBits.Mask(WeightBits.All));
        Assert.Equal("1-8", WeightBits.Text(WeightBits.All));
        Assert.Equal("2,4,8", WeightBits.Text([8, 4, 2]));
    }

    [Fact]
    public void DumpIrNamesANarrowedSetOnly()
    {
        Assert.DoesNotContain("deployed", ProgramPrinter.Print(Compile(WeightBits.All)), StringComparison.Ordinal);
        var text = ProgramPrinter.Print(Compile([8, 4, 2]), withTables: true);
        Assert.Contains("deployed weight bits 2,4,8", text, StringComparison.Ordinal);
        Assert.DoesNotContain("k=3 ", text, StringComparison.Ordinal);
        Assert.Contains("k=4 ", text, StringComparison.Ordinal);
    }
}
