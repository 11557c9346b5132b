namespace TruncEdge.Compiler.Program;

/// <summary>
/// Weight codes stored at S bits (`compile --store-bits S`), the layout the runtime's
/// te_unpack_codes reads (runtime-c/src/te_unpack.c; docs/emitted-c.md, "Packed weight storage").
/// A layer keeps the top S bits of each 8-bit code, which is all that truncation to any k &lt;= S
/// needs. Codes go in blocks of 32 (the last one zero-padded); S splits into parts of 4, 2 and 1
/// bits, most significant first (8, 4, 2 and 1 are one part); part sections follow one another,
/// each holding w words per block; in word i of a block's part, byte lane l, bits [w*j, w*j + w)
/// hold the part of code 4 * (i * 8 / w + j) + l of the block.
/// </summary>
public static class PackedCodes
{
    private const int Block = 32;

    /// <summary>The widths of the parts of S, most significant first: 7 = 4 + 2 + 1.</summary>
    public static IReadOnlyList<int> Parts(int storeBits)
    {
        CheckBits(storeBits);
        var parts = new List<int>();
        for (var left = storeBits; left > 0;)
        {
            var w = left >= 8 ? 8 : left >= 4 ? 4 : left >= 2 ? 2 : 1;
            parts.Add(w);
            left -= w;
        }
        return parts;
    }

    /// <summary>32-bit words of <paramref name="count"/> codes stored at S bits.</summary>
    public static int Words(int count, int storeBits) => checked(Blocks(count) * storeBits);

    /// <summary>Flash bytes of the packed codes: 4 bytes a word.</summary>
    public static int Bytes(int count, int storeBits) => checked(Words(count, storeBits) * 4);

    /// <summary>Bytes te_unpack_codes writes: count rounded up to a whole block.</summary>
    public static int UnpackedBytes(int count) => checked(Blocks(count) * Block);

    /// <summary>The packed words of <paramref name="codes"/> at <paramref name="storeBits"/>.</summary>
    public static uint[] Pack(ReadOnlySpan<byte> codes, int storeBits)
    {
        var blocks = Blocks(codes.Length);
        var words = new uint[Words(codes.Length, storeBits)];
        var o = 0;
        foreach (var w in Parts(storeBits))
        {
            var perWord = 8 / w;
            for (var n = 0; n < codes.Length; n++)
            {
                var (block, i) = (n / Block, n % Block);
                var field = i / 4;
                var part = (codes[n] >> (8 - o - w)) & ((1 << w) - 1);
                words[blocks * o + block * w + field / perWord] |= (uint)part << (8 * (i % 4) + w * (field % perWord));
            }
            o += w;
        }
        return words;
    }

    /// <summary>
    /// What te_unpack_codes gives at weight bits k: the codes of the parts that start within the
    /// top k bits (the bits below them 0), <see cref="UnpackedBytes"/> long.
    /// </summary>
    public static byte[] Unpack(ReadOnlySpan<uint> words, int storeBits, int weightBits, int count)
    {
        if (weightBits < 1 || weightBits > storeBits)
            throw new ArgumentOutOfRangeException(nameof(weightBits), weightBits, $"expected 1..{storeBits}");
        var blocks = Blocks(count);
        if (words.Length != Words(count, storeBits))
            throw new ArgumentException($"expected {Words(count, storeBits)} words for {count} codes at {storeBits} bits", nameof(words));
        var codes = new byte[UnpackedBytes(count)];
        var o = 0;
        foreach (var w in Parts(storeBits))
        {
            if (o >= weightBits) break;
            var perWord = 8 / w;
            for (var n = 0; n < codes.Length; n++)
            {
                var (block, i) = (n / Block, n % Block);
                var field = i / 4;
                var part = (words[blocks * o + block * w + field / perWord] >> (8 * (i % 4) + w * (field % perWord))) & ((1u << w) - 1);
                codes[n] |= (byte)(part << (8 - o - w));
            }
            o += w;
        }
        return codes;
    }

    /// <summary>The fewest output channels a group of te_conv2d_packed / te_dense_packed holds
    /// (the kernels' blocks are 16 channels wide, and te_dense repeats its work on the input per group).</summary>
    public const int MinChunk = 16;

    /// <summary>
    /// Output channels (features) per group of te_conv2d_packed / te_dense_packed: the fewest from
    /// <see cref="MinChunk"/> whose codes start every group on a block of 32; all of them for a
    /// depthwise or grouped convolution (whose codes are few) or when that is not fewer.
    /// </summary>
    public static int Chunk(int channels, int perChannel, bool grouped)
    {
        if (grouped) return channels;
        var align = Block / (int)System.Numerics.BigInteger.GreatestCommonDivisor(perChannel, Block);
        return Math.Min((MinChunk + align - 1) / align * align, channels);
    }

    /// <summary>The group size of an op of a packed layer (<see cref="Chunk(int, int, bool)"/>); 0 for other ops.</summary>
    public static int Chunk(IntegerProgram program, ProgramOp op) =>
        op is WeightOp w && program.Layers[w.Layer].IsPacked
            ? Chunk(program.Tensors[w.Output].Shape.Channels, program.Layers[w.Layer].WeightsPerChannel, op is ConvOp { Groups: not 1 })
            : 0;

    /// <summary>Whether a dense layer reads its packed words in place (te_dense_packed: 4 bits,
    /// rows on whole blocks of 32 codes), needing no work buffer.</summary>
    public static bool DenseInPlace(WeightLayer layer) => layer.StoreBits == 4 && layer.WeightsPerChannel % Block == 0;

    /// <summary>
    /// The arena bytes an op of a packed layer works in (0 for other ops and for a dense layer
    /// that reads its words in place): what te_conv2d_packed_work_bytes /
    /// te_dense_packed_work_bytes (runtime-c/src/te_unpack_*.c) ask for, one group's unpacked
    /// codes and, for a convolution taken in groups, the group's output and residual.
    /// </summary>
    public static int WorkBytes(IntegerProgram program, ProgramOp op)
    {
        var chunk = Chunk(program, op);
        if (chunk == 0 || op is DenseOp d && DenseInPlace(program.Layers[d.Layer])) return 0;
        var output = program.Tensors[op.Output];
        var layer = program.Layers[((WeightOp)op).Layer];
        var perChannel = layer.WeightsPerChannel;
        if (op is not ConvOp c || chunk >= output.Shape.Channels)
            return checked(RoundUp((long)chunk * perChannel, Block));
        var pixels = (long)output.Shape.Height * output.Shape.Width * chunk;
        var residual = c.Residual is { } r ? RoundUp(pixels * program.Tensors[r].ElementBytes, 4) : 0;
        return checked(RoundUp((long)chunk * perChannel, Block) + RoundUp(pixels * output.ElementBytes, 4) + residual);
    }

    private static int RoundUp(long v, int to) => checked((int)((v + to - 1) / to * to));

    private static int Blocks(int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        return (count + Block - 1) / Block;
    }

    private static void CheckBits(int storeBits)
    {
        if (storeBits is < 1 or > 8) throw new ArgumentOutOfRangeException(nameof(storeBits), storeBits, "expected 1..8");
    }
}
