using TruncEdge.Compiler.Passes;
using TruncEdge.Compiler.Program;
using TruncEdge.Model.Building;
using TruncEdge.Model.Graph;
using TruncEdge.Model.TruncQuant;

namespace TruncEdge.Compiler.Tests;

/// <summary>
/// Stored requantization tables (docs/integer-semantics.md, "Stored tables"): one row for every k
/// when a layer's k differ by one factor, one row per k otherwise, and either way tables as
/// precise as tables chosen for each k alone.
/// </summary>
public class StoredRequantTests
{
    private static float[] W(int n, double scale = 0.3, int seed = 0) =>
        Enumerable.Range(0, n).Select(i => (float)(Math.Sin(i * 0.9 + n + seed) * scale)).ToArray();

    private static BatchNormParams Bn(int channels, int seed) => new(
        Enumerable.Range(0, channels).Select(c => (float)(0.6 + 0.3 * Math.Sin(c + seed))).ToArray(),
        Enumerable.Range(0, channels).Select(c => (float)(0.2 * Math.Cos(c * 1.7 + seed))).ToArray(),
        Enumerable.Range(0, channels).Select(c => (float)(0.05 * Math.Sin(c * 2.3 + seed))).ToArray(),
        Enumerable.Range(0, channels).Select(c => (float)(0.5 + 0.2 * Math.Cos(c + seed))).ToArray());

    /// <summary>conv (pinned) -> conv+BN -> conv+BN with a residual -> dense (pinned); the BatchNorms
    /// shared by every k, or switchable (one per trained k).</summary>
    private static ModelGraph Model(bool switchable)
    {
        var b = new TruncQuantGraphBuilder("stored", WeightQuantizer.TruncQuant, [1, 2, 4, 8], 4);
        string Norm(string y, int seed) => switchable
            ? b.BatchNorm(y, Bn(8, seed), new Dictionary<int, BatchNormParams> { [1] = Bn(8, seed + 1), [2] = Bn(8, seed + 2), [4] = Bn(8, seed + 3), [8] = Bn(8, seed + 4) })
            : b.BatchNorm(y, Bn(8, seed));
        var x = b.InputU8(1, 6, 6);
        x = b.ActQuant(b.Conv(x, W(8 * 9), 8, 3, 3, pads: (1, 1, 1, 1)));
        var y = b.ActQuant(Norm(b.Conv(x, W(8 * 8 * 9, seed: 1), 8, 3, 3, pads: (1, 1, 1, 1)), 10));
        y = b.ActQuant(b.Add(Norm(b.Conv(y, W(8 * 8 * 9, seed: 2), 8, 3, 3, pads: (1, 1, 1, 1)), 20), x));
        return b.Build(b.Gemm(b.Flatten(y), W(3 * 8 * 36), 3, W(3)));
    }

    private static IntegerProgram Compile(bool switchable, IReadOnlyList<int>? deploy = null) =>
        new CompilerPipeline().Compile(Model(switchable), new CompilerOptions { DeployBits = deploy, SourceFile = "stored.onnx" });

    /// <summary>The real factor a table applies to acc in channel c.</summary>
    private static double Factor(RequantTable t, int c) => t.Multiplier[c] * Math.ScaleB(1.0, -(t.PreShift[c] + t.Shift[c]));
    private static double Offset(RequantTable t, int c) => t.Bias[c] * Math.ScaleB(1.0, -t.Shift[c]);

    [Fact]
    public void ASharedBatchNormGivesOneRowForEveryKAsPreciseAsATableChosenAtThatK()
    {
        var p = Compile(switchable: false);
        var free = p.Layers.Where(l => !l.Pinned).ToList();
        Assert.Equal(2, free.Count);
        Assert.Contains(p.Ops, op => op is ConvOp { Residual: not null } c && c.Layer == free[1].Index);
        foreach (var layer in free)
        {
            Assert.True(layer.Stored!.IsShared, $"layer {layer.Name} stores {layer.Stored.Rows.Count} rows");
            for (var k = 1; k <= 8; k++)
            {
                // compiled for this k alone, the row is chosen at k itself
                var alone = Compile(switchable: false, [k]).Layers[layer.Index];
                var (t, a) = (layer.TableFor(k), alone.TableFor(k));
                for (var c = 0; c < layer.OutChannels; c++)
                {
                    Assert.True(Math.Abs(Factor(t, c) / Factor(a, c) - 1) < 1e-8, $"{layer.Name} k={k} c={c}: {Factor(t, c)} vs {Factor(a, c)}");
                    Assert.True(Math.Abs(Offset(t, c) - Offset(a, c)) < 1e-6, $"{layer.Name} k={k} c={c}: offset {Offset(t, c)} vs {Offset(a, c)}");
                }
                // TruncQuant: the factor at k is the one at k = 1 over 2^k - 1
                for (var c = 0; c < layer.OutChannels; c++)
                    Assert.True(Math.Abs(Factor(t, c) * ((1 << k) - 1) / Factor(layer.TableFor(1), c) - 1) < 1e-8);
            }
        }
        // one row and 7 bytes a k, against a row per k: under a third of the flash
        var perK = Compile(switchable: true).Layers.Where(l => !l.Pinned).Sum(ProgramStatistics.TableBytes);
        Assert.True(3 * free.Sum(ProgramStatistics.TableBytes) < perK, $"{free.Sum(ProgramStatistics.TableBytes)} B shared vs {perK} B per k");
    }

    [Fact]
    public void SwitchableBatchNormGivesOneRowPerK()
    {
        var p = Compile(switchable: true);
        foreach (var layer in p.Layers.Where(l => !l.Pinned))
        {
            Assert.False(layer.Stored!.IsShared);
            Assert.Equal(8, layer.Stored.Rows.Count);
            Assert.Equal(Enumerable.Range(0, 8), Enumerable.Range(1, 8).Select(k => layer.Stored.Steps[k - 1]!.Row));
            Assert.All(layer.Stored.Steps, s => Assert.Equal(IntegerMath.FactorOne, s!.Factor));
        }
        // the pinned layers carry k = 8 only
        Assert.All(p.Layers.Where(l => l.Pinned), l => Assert.Equal([8], l.Stored!.Bits));
    }

    [Fact]
    public void StoredTablesExpandToTheProgramsTablesAndTheVerifierNoticesADifference()
    {
        var p = Compile(switchable: false);
        foreach (var layer in p.Layers)
            Assert.Null(layer.Stored!.Mismatch(layer.Tables, layer.OutChannels));
        var free = p.Layers.First(l => !l.Pinned);
        free.Tables[3]!.Multiplier[2] += 1;
        Assert.Contains("k = 4", free.Stored!.Mismatch(free.Tables, free.OutChannels), StringComparison.Ordinal);
        var e = Assert.Throws<InvalidOperationException>(() => new VerifyProgram().Run(p));
        Assert.Contains("stored tables", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PerBitsStoresTablesOfAnyOriginAndRefusesBiasesThatAreNotAnInt32TimesAPowerOfTwo()
    {
        var rng = new Random(7);
        for (var trial = 0; trial < 200; trial++)
        {
            var c = rng.Next(1, 9);
            var tables = new RequantTable?[8];
            foreach (var k in Enumerable.Range(1, 8).Where(_ => rng.Next(3) > 0))
            {
                var s = rng.Next(0, 31);
                tables[k - 1] = new RequantTable
                {
                    Bias = Enumerable.Range(0, c).Select(_ => (long)rng.Next(int.MinValue, int.MaxValue) << s).ToArray(),
                    Multiplier = Enumerable.Range(0, c).Select(_ => rng.Next(-(1 << 30) + 1, 1 << 30)).ToArray(),
                    PreShift = Enumerable.Range(0, c).Select(_ => rng.Next(2) * rng.Next(0, 63)).ToArray(),
                    Shift = Enumerable.Range(0, c).Select(_ => rng.Next(1, 63)).ToArray(),
                };
            }
            var stored = StoredRequant.PerBits(tables, out var why);
            Assert.Null(why);
            Assert.Null(stored!.Mismatch(tables, c));
        }

        var odd = new RequantTable { Bias = [(1L << 40) + 1], Multiplier = [1], PreShift = [0], Shift = [40] };
        Assert.Null(StoredRequant.PerBits([null, null, odd, null, null, null, null, null], out var reason));
        Assert.Contains("k = 3", reason, StringComparison.Ordinal);
    }
}
