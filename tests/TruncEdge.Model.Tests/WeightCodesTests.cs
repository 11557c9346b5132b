using TruncEdge.Model.TruncQuant;

namespace TruncEdge.Model.Tests;

/// <summary>TRUNCQUANT.md section 2: the test vectors, and the identities that make truncation work.</summary>
public sealed class WeightCodesTests
{
    private static readonly float[] VectorX = [-0.30f, -0.12f, -0.05f, 0.00f, 0.02f, 0.07f, 0.11f, 0.25f];

    [Fact]
    public void TestVectorsMeanAbsAndMax()
    {
        var normalized = WeightCodes.Normalize(VectorX);
        // The vectors are float64 of the decimal values; the float32 inputs move E by ~1e-9.
        Assert.Equal(0.115, normalized.MeanAbs, 1e-8);
        Assert.Equal(0.291313, normalized.MaxAbsTanh, 1e-6);
    }

    [Fact]
    public void TestVectorsEightBitCodes()
    {
        var set = WeightCodes.Compute(VectorX, WeightQuantizer.TruncQuant);
        Assert.Equal(new byte[] { 0, 75, 106, 128, 136, 158, 176, 235 }, set.Codes8);
        Assert.Equal(0.115, set.MeanAbs, 1e-8);
    }

    [Theory]
    [InlineData(4, new[] { 0, 4, 6, 8, 8, 9, 11, 14 }, new[] { -15, -7, -3, 1, 1, 3, 7, 13 })]
    [InlineData(3, new[] { 0, 2, 3, 4, 4, 4, 5, 7 }, new[] { -7, -3, -1, 1, 1, 1, 3, 7 })]
    [InlineData(2, new[] { 0, 1, 1, 2, 2, 2, 2, 3 }, new[] { -3, -1, -1, 1, 1, 1, 1, 3 })]
    [InlineData(1, new[] { 0, 0, 0, 1, 1, 1, 1, 1 }, new[] { -1, -1, -1, 1, 1, 1, 1, 1 })]
    public void TestVectorsLowerBits(int k, int[] expectedCodes, int[] expectedLevels)
    {
        var set = WeightCodes.Compute(VectorX, WeightQuantizer.TruncQuant);
        var truncated = set.Truncated(k).Select(b => (int)b).ToArray();
        Assert.Equal(expectedCodes, truncated);
        Assert.Equal(expectedCodes, WeightCodes.CodesAt(VectorX, k, WeightQuantizer.TruncQuant).Select(b => (int)b).ToArray());
        Assert.Equal(expectedLevels, truncated.Select(q => WeightCodes.SignedLevel(q, k)).ToArray());
    }

    [Fact]
    public void TestVectorsRoundQuantizerAtFourBits()
    {
        var codes = WeightCodes.CodesAt(VectorX, 4, WeightQuantizer.Round);
        Assert.Equal(new byte[] { 0, 4, 6, 8, 8, 9, 10, 14 }, codes);
    }

    [Fact]
    public void RealWeightIsMeanAbsTimesLevelOverN()
    {
        Assert.Equal(-0.115, WeightCodes.RealWeight(0, 1, 0.115), 15);
        Assert.Equal(0.115 / 3, WeightCodes.RealWeight(2, 2, 0.115), 15);
        Assert.Equal(0.115 * 13 / 15, WeightCodes.RealWeight(14, 4, 0.115), 15);
    }

    [Fact]
    public void TruncationEqualsTheQuantizerAtEveryBitWidth()
    {
        for (var seed = 0; seed < 200; seed++)
        {
            var x = RandomWeights(seed, 1 + seed % 97);
            var set = WeightCodes.Compute(x, WeightQuantizer.TruncQuant);
            for (var k = 1; k <= 8; k++)
            {
                var direct = WeightCodes.CodesAt(x, k, WeightQuantizer.TruncQuant);
                Assert.Equal(direct, set.Truncated(k));
            }
        }
    }

    [Fact]
    public void CodesNest()
    {
        var u = new Random(7);
        for (var trial = 0; trial < 20000; trial++)
        {
            var value = trial switch { 0 => 0.0, 1 => 1.0, 2 => 0.5, _ => u.NextDouble() };
            for (var k = 1; k <= 8; k++)
            {
                var qk = WeightCodes.CodeAt(value, k, WeightQuantizer.TruncQuant);
                for (var j = 1; j <= k; j++)
                    Assert.Equal(WeightCodes.CodeAt(value, j, WeightQuantizer.TruncQuant), qk >> (k - j));
            }
        }
    }

    [Fact]
    public void BitSevenIsTheSign()
    {
        for (var seed = 0; seed < 200; seed++)
        {
            var x = RandomWeights(seed, 64);
            x[seed % 64] = 0f; // zero counts as non-negative
            var codes = WeightCodes.Compute(x, WeightQuantizer.TruncQuant).Codes8;
            for (var i = 0; i < x.Length; i++)
                Assert.Equal(x[i] >= 0, codes[i] >= 128);
        }
    }

    [Fact]
    public void SignBitDocumentedExceptionForVanishingNegativeWeights()
    {
        // 1/2 + t/(2M) rounds to exactly 1/2 in float64 when |t|/(2M) <= 2^-55 (see WeightCodes).
        var codes = WeightCodes.Compute([0.5f, -1e-20f, -1e-6f], WeightQuantizer.TruncQuant).Codes8;
        Assert.Equal(128, codes[1]);
        Assert.Equal(127, codes[2]);
    }

    [Fact]
    public void RoundQuantizerDoesNotSurviveTruncation()
    {
        // The point of TruncQuant: for k = 2..7 some weights' truncated 8-bit round codes differ
        // from the round quantizer at k bits. (At k = 1 both are "u >= 1/2", so they agree.)
        var found = new bool[9];
        for (var seed = 0; seed < 50; seed++)
        {
            var x = RandomWeights(seed, 256);
            var codes8 = WeightCodes.Compute(x, WeightQuantizer.Round).Codes8;
            for (var k = 1; k <= 7; k++)
            {
                var direct = WeightCodes.CodesAt(x, k, WeightQuantizer.Round);
                var truncated = codes8.Select(c => (byte)(c >> (8 - k))).ToArray();
                if (k == 1)
                    Assert.Equal(direct, truncated);
                else if (!direct.SequenceEqual(truncated))
                    found[k] = true;
            }
        }
        Assert.All(Enumerable.Range(2, 6), k => Assert.True(found[k], $"no counterexample at k={k}"));
    }

    [Fact]
    public void RoundQuantizerTiesGoUp()
    {
        // u = 1/2 (x = 0) is the one tie that occurs in practice: u * 1 = 0.5 -> 1 at k = 1.
        Assert.Equal(1, WeightCodes.CodeAt(0.5, 1, WeightQuantizer.Round));
        Assert.Equal(8, WeightCodes.CodeAt(0.5, 4, WeightQuantizer.Round));
        Assert.Equal(128, WeightCodes.CodeAt(0.5, 8, WeightQuantizer.Round));
    }

    [Fact]
    public void ExtremesMapToFirstAndLastCode()
    {
        foreach (var quantizer in new[] { WeightQuantizer.TruncQuant, WeightQuantizer.Round })
        {
            var codes = WeightCodes.Compute([-3f, 0.1f, 3f], quantizer).Codes8;
            Assert.Equal(0, codes[0]);
            Assert.Equal(255, codes[2]);
        }
    }

    [Fact]
    public void AllZeroTensorGivesMidCode()
    {
        var set = WeightCodes.Compute(new float[9], WeightQuantizer.TruncQuant);
        Assert.All(set.Codes8, c => Assert.Equal(128, c));
        Assert.Equal(0.0, set.MeanAbs);
        Assert.All(set.Truncated(1), c => Assert.Equal(1, c));
        Assert.All(WeightCodes.Compute(new float[3], WeightQuantizer.Round).Codes8, c => Assert.Equal(128, c));
    }

    [Fact]
    public void SingleElementTensor()
    {
        Assert.Equal(new byte[] { 255 }, WeightCodes.Compute([0.2f], WeightQuantizer.TruncQuant).Codes8);
        Assert.Equal(new byte[] { 0 }, WeightCodes.Compute([-0.2f], WeightQuantizer.TruncQuant).Codes8);
    }

    [Fact]
    public void BadArgumentsThrow()
    {
        Assert.Throws<ArgumentException>(() => WeightCodes.Compute([], WeightQuantizer.TruncQuant));
        Assert.Throws<ArgumentException>(() => WeightCodes.Compute([1f, float.NaN], WeightQuantizer.TruncQuant));
        Assert.Throws<ArgumentException>(() => WeightCodes.Compute([float.PositiveInfinity], WeightQuantizer.Round));
        Assert.Throws<ArgumentOutOfRangeException>(() => WeightCodes.CodeAt(0.5, 0, WeightQuantizer.TruncQuant));
        Assert.Throws<ArgumentOutOfRangeException>(() => WeightCodes.CodeAt(0.5, 9, WeightQuantizer.TruncQuant));
        Assert.Throws<ArgumentOutOfRangeException>(() => WeightCodes.CodeAt(1.5, 4, WeightQuantizer.TruncQuant));
        Assert.Throws<ArgumentOutOfRangeException>(() => WeightCodes.CodeAt(double.NaN, 4, WeightQuantizer.TruncQuant));
        // SignedLevel takes a k-bit code; passing an 8-bit code by mistake fails loudly.
        Assert.Throws<ArgumentOutOfRangeException>(() => WeightCodes.SignedLevel(200, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => WeightCodes.Truncate(256, 4));
    }

    [Fact]
    public void SignedLevelsAreOddAndSymmetric()
    {
        for (var k = 1; k <= 8; k++)
        {
            var n = (1 << k) - 1;
            var levels = Enumerable.Range(0, n + 1).Select(q => WeightCodes.SignedLevel(q, k)).ToArray();
            Assert.All(levels, s => Assert.True(s % 2 != 0));
            Assert.Equal(-n, levels[0]);
            Assert.Equal(n, levels[^1]);
            Assert.Equal(levels, levels.Select(s => -s).Reverse());
        }
    }

    private static float[] RandomWeights(int seed, int count)
    {
        var random = new Random(seed);
        var scale = 0.01 + random.NextDouble() * 2;
        return Enumerable.Range(0, count).Select(_ => (float)((random.NextDouble() * 2 - 1) * scale)).ToArray();
    }
}
