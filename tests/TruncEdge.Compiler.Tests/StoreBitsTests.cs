using TruncEdge.Compiler.Passes;
using TruncEdge.Compiler.Program;
using TruncEdge.Compiler.Reference;
using TruncEdge.Model.Building;
using TruncEdge.Model.Diagnostics;
using TruncEdge.Model.Graph;
using TruncEdge.Model.TruncQuant;

namespace TruncEdge.Compiler.Tests;

/// <summary>
/// `--store-bits S`: the packed layout (PackedCodes, the C# half of te_unpack_codes), and the
/// Program it gives: layers that are not pinned store S bits, the deployed set is 1..S, every op
/// of a packed layer has a work buffer in the arena (none for a dense layer read in place), and k &gt; S is refused.
/// </summary>
public class StoreBitsTests
{
    private static float[] W(int n, double scale = 0.3) => Enumerable.Range(0, n).Select(i => (float)(Math.Sin(i * 0.7 + n) * scale)).ToArray();

    /// <summary>conv 3x3 (pinned) -> conv 3x3 (5 -> 7 channels, 315 codes: not a multiple of 32) -> dense (pinned).</summary>
    private static ModelGraph ThreeLayers()
    {
        var b = new TruncQuantGraphBuilder("store", WeightQuantizer.TruncQuant, [1, 2, 4, 8], 4);
        var x = b.InputU8(1, 6, 6);
        x = b.ActQuant(b.Conv(x, W(5 * 9), 5, 3, 3, pads: (1, 1, 1, 1)));
        x = b.ActQuant(b.Conv(x, W(7 * 5 * 9), 7, 3, 3, pads: (1, 1, 1, 1)));
        x = b.Gemm(b.Flatten(x), W(3 * 7 * 36), 3, W(3));
        return b.Build(x);
    }

    private static IntegerProgram Compile(int store, IReadOnlyList<int>? deploy = null) =>
        new CompilerPipeline().Compile(ThreeLayers(), new CompilerOptions { StoreBits = store, DeployBits = deploy, SourceFile = "store.onnx" });

    /// <summary>Code n's part of width w, read back from the definition of the layout.</summary>
    private static int ReadPart(uint[] words, int count, int o, int w, int n)
    {
        var blocks = (count + 31) / 32;
        var field = n % 32 / 4;
        var word = words[blocks * o + n / 32 * w + field / (8 / w)];
        return (int)((word >> (8 * (n % 4) + w * (field % (8 / w)))) & ((1u << w) - 1));
    }

    [Theory]
    [InlineData(8, new[] { 8 })]
    [InlineData(7, new[] { 4, 2, 1 })]
    [InlineData(6, new[] { 4, 2 })]
    [InlineData(5, new[] { 4, 1 })]
    [InlineData(4, new[] { 4 })]
    [InlineData(3, new[] { 2, 1 })]
    [InlineData(2, new[] { 2 })]
    [InlineData(1, new[] { 1 })]
    public void StoredBitsSplitIntoPartsOfFourTwoAndOne(int store, int[] parts) =>
        Assert.Equal(parts, PackedCodes.Parts(store));

    [Fact]
    public void PackingKeepsTheTopBitsOfEveryCodeInTheDocumentedPlace()
    {
        var rng = new Random(7);
        foreach (var count in new[] { 1, 31, 32, 33, 100, 315, 1024 })
        {
            var codes = new byte[count];
            rng.NextBytes(codes);
            for (var s = 1; s <= 8; s++)
            {
                var words = PackedCodes.Pack(codes, s);
                Assert.Equal((count + 31) / 32 * s, words.Length);
                Assert.Equal(words.Length * 4, PackedCodes.Bytes(count, s));
                var o = 0;
                foreach (var w in PackedCodes.Parts(s))
                {
                    for (var n = 0; n < count; n++)
                        Assert.Equal((codes[n] >> (8 - o - w)) & ((1 << w) - 1), ReadPart(words, count, o, w, n));
                    o += w;
                }
                for (var k = 1; k <= s; k++)
                {
                    var unpacked = PackedCodes.Unpack(words, s, k, count);
                    Assert.Equal(PackedCodes.UnpackedBytes(count), unpacked.Length);
                    for (var n = 0; n < unpacked.Length; n++)
                    {
                        var expected = n < count ? codes[n] >> (8 - k) : 0;
                        Assert.True(unpacked[n] >> (8 - k) == expected, $"S={s} k={k} code {n} of {count}");
                    }
                }
            }
        }
    }

    [Theory]
    [InlineData(64, 576, false, 16)] // ResNet-8's 3x3x64 convs: 16 channels start on a block
    [InlineData(64, 144, false, 16)]
    [InlineData(64, 27, false, 32)]  // 27 codes a channel: only multiples of 32 channels do
    [InlineData(20, 45, false, 20)]  // a group of 32 would be the layer: the layer at once
    [InlineData(128, 640, false, 16)]
    [InlineData(64, 9, true, 64)]    // depthwise: the layer at once
    public void GroupsAreTheFewestChannelsFromSixteenThatStartOnABlock(int channels, int perChannel, bool grouped, int chunk)
    {
        Assert.Equal(chunk, PackedCodes.Chunk(channels, perChannel, grouped));
        Assert.True(chunk == channels || chunk * perChannel % 32 == 0);
    }

    [Theory]
    [InlineData(4, 64, true)]   // 4 bits, rows of whole blocks: te_dense_packed reads the words in place
    [InlineData(4, 60, false)]  // rows off the blocks: unpacked in groups
    [InlineData(3, 64, false)]  // 3 bits: two parts, unpacked
    public void DenseLayersOfWholeBlocksAtFourBitsNeedNoWork(int store, int inFeatures, bool inPlace)
    {
        var layer = new WeightLayer
        {
            Index = 0, Name = "fc", Codes = new byte[3 * inFeatures], OutChannels = 3, Pinned = false,
            Tables = new RequantTable?[8], MeanAbs = 0.1, StoreBits = store,
        };
        Assert.Equal(inPlace, PackedCodes.DenseInPlace(layer));
    }

    [Fact]
    public void LayersThatAreNotPinnedStoreTheChosenBits()
    {
        var p = Compile(4);
        Assert.Equal([1, 2, 3, 4], p.DeployedBits);
        Assert.Equal([8, 4, 8], p.Layers.Select(l => l.StoreBits));
        Assert.Equal(10 * 4 * 4, p.Layers[1].StoredBytes); // 315 codes: 10 blocks of 32 at 4 bits = 40 words
        Assert.Equal(p.Layers[0].Codes.Length + 160 + p.Layers[2].Codes.Length, ProgramStatistics.WeightBytes(p));
        Assert.Equal(ProgramStatistics.Parameters(Compile(8)), ProgramStatistics.Parameters(p));
        var buffer = Assert.Single(p.PackedWork);
        Assert.Equal(p.Ops.Single(op => op is ConvOp { Layer: 1 }).Index, buffer.Op);
        // 7 channels of 45 codes: fewer than a group of 16, so the layer at once (315 codes -> 320 B).
        Assert.Equal(7, PackedCodes.Chunk(p, p.Ops[buffer.Op]));
        Assert.Equal(320, buffer.Bytes);
        Assert.Contains("stored at 4 bits (160 B)", ProgramPrinter.Print(p), StringComparison.Ordinal);
        Assert.Contains("packed-work=320B@arena+", ProgramPrinter.Print(p), StringComparison.Ordinal);
        Assert.Empty(Compile(8).PackedWork);
    }

    [Fact]
    public void TheReferenceComputesTheSameIntegersAtEveryStoredK()
    {
        var (full, packed) = (Compile(8), Compile(3));
        var rng = new Random(11);
        for (var s = 0; s < 4; s++)
        {
            var input = new byte[full.InputTensor.Shape.Size];
            rng.NextBytes(input);
            foreach (var k in packed.DeployedBits)
                Assert.Equal(new ReferenceExecutor(full).Run(input, BitWidths.All(full, k)).Output, new ReferenceExecutor(packed).Run(input, BitWidths.All(packed, k)).Output);
        }
    }

    [Fact]
    public void ADeployedSetWithinTheStoredBitsIsKept() =>
        Assert.Equal([2, 4], Compile(4, [4, 2]).DeployedBits);

    [Fact]
    public void DeployingAboveTheStoredBitsIsRefused()
    {
        var e = Assert.Throws<DiagnosticException>(() => Compile(4, [8, 4, 2]));
        Assert.Equal("TE2080", e.Diagnostic.Code);
        Assert.Contains("cannot deploy weight bits 8 with weights stored at 4 bits", e.Message, StringComparison.Ordinal);
        Assert.Contains("store.onnx", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(9)]
    public void StoredBitsOutsideOneToEightAreRefused(int store)
    {
        var e = Assert.Throws<DiagnosticException>(() => Compile(store));
        Assert.Equal("TE2082", e.Diagnostic.Code);
        Assert.Contains("within 1..8", e.Message, StringComparison.Ordinal);
    }
}
