using System.Buffers.Binary;
using TruncEdge.Model.Diagnostics;

namespace TruncEdge.Toolchain;

/// <summary>What one harness run produced, in the shape of docs/harness.md's output file.</summary>
public sealed record HarnessOutput(
    int SampleCount,
    IReadOnlyList<int> Bits,
    int OpCount,
    int OutputSize,
    int[][][] Outputs,
    byte[][][][]? Traces)
{
    // Outputs[sample][bitsIndex] has OutputSize values; Traces[sample][bitsIndex][op] is op's output tensor.
}

/// <summary>
/// The file protocol of the test harness (docs/harness.md), both directions: the input file
/// TruncEdge writes and the output file the harness writes back. All integers little-endian.
/// </summary>
public static class HarnessProtocol
{
    public const uint InputMagic = 0x31494554;  // "TEI1"
    public const uint OutputMagic = 0x314f4554; // "TEO1"
    public const int MaxBits = 8;
    private const int InputHeaderBytes = 16 + MaxBits;
    private const int OutputHeaderBytes = 20;

    /// <summary>The input file: N samples of equal length, 1..8 bit widths of 1..8 each, the trace flag.</summary>
    public static byte[] WriteInput(IReadOnlyList<byte[]> samples, IReadOnlyList<int> bits, bool trace)
    {
        ValidateInput(samples, bits);
        var size = samples.Count == 0 ? 0 : samples[0].Length;
        var file = new byte[InputHeaderBytes + (long)samples.Count * size > int.MaxValue
            ? throw new DiagnosticException(ToolchainDiagnosticCodes.BadRunInput, "inputs larger than 2 GiB")
            : InputHeaderBytes + samples.Count * size];
        var span = file.AsSpan();
        BinaryPrimitives.WriteUInt32LittleEndian(span, InputMagic);
        BinaryPrimitives.WriteUInt32LittleEndian(span[4..], (uint)samples.Count);
        BinaryPrimitives.WriteUInt32LittleEndian(span[8..], (uint)bits.Count);
        BinaryPrimitives.WriteUInt32LittleEndian(span[12..], trace ? 1u : 0u);
        for (var i = 0; i < bits.Count; i++) span[16 + i] = (byte)bits[i];
        for (var s = 0; s < samples.Count; s++) samples[s].CopyTo(span[(InputHeaderBytes + s * size)..]);
        return file;
    }

    /// <summary>Checks what <see cref="WriteInput"/> checks, with one-line messages.</summary>
    public static void ValidateInput(IReadOnlyList<byte[]> samples, IReadOnlyList<int> bits)
    {
        if (samples.Count == 0) throw new DiagnosticException(ToolchainDiagnosticCodes.BadRunInput, "no input samples");
        if (samples.Any(s => s.Length != samples[0].Length))
        {
            throw new DiagnosticException(ToolchainDiagnosticCodes.BadRunInput, "input samples differ in length");
        }
        if (bits.Count is < 1 or > MaxBits)
        {
            throw new DiagnosticException(ToolchainDiagnosticCodes.BadRunInput, $"{bits.Count} bit widths given; a run takes 1..{MaxBits}");
        }
        foreach (var b in bits)
        {
            if (b is < 1 or > MaxBits) throw new DiagnosticException(ToolchainDiagnosticCodes.BadRunInput, $"weight bit width {b} outside 1..{MaxBits}");
        }
    }

    /// <summary>Parses the output file and checks it echoes the run it belongs to.</summary>
    public static HarnessOutput ReadOutput(byte[] file, int expectedSamples, IReadOnlyList<int> bits, bool trace, string path)
    {
        DiagnosticException Bad(string what) => new(ToolchainDiagnosticCodes.BadHarnessOutput, $"harness output {what}", path);
        var span = file.AsSpan();
        if (span.Length < OutputHeaderBytes) throw Bad($"has {span.Length} bytes, less than its header");
        if (BinaryPrimitives.ReadUInt32LittleEndian(span) != OutputMagic) throw Bad("does not start with TEO1");
        var samples = BinaryPrimitives.ReadUInt32LittleEndian(span[4..]);
        var bitsCount = BinaryPrimitives.ReadUInt32LittleEndian(span[8..]);
        var ops = BinaryPrimitives.ReadUInt32LittleEndian(span[12..]);
        var outputSize = BinaryPrimitives.ReadUInt32LittleEndian(span[16..]);
        if (samples != expectedSamples || bitsCount != bits.Count)
        {
            throw Bad($"is for {samples} samples x {bitsCount} bit widths, not {expectedSamples} x {bits.Count}");
        }
        if (ops > 1_000_000 || outputSize > 1 << 28) throw Bad($"has implausible op count {ops} or output size {outputSize}");

        var pos = OutputHeaderBytes;
        var outputs = new int[samples][][];
        var traces = trace ? new byte[samples][][][] : null;
        for (var s = 0; s < samples; s++)
        {
            outputs[s] = new int[bitsCount][];
            if (traces is not null) traces[s] = new byte[bitsCount][][];
            for (var b = 0; b < bitsCount; b++)
            {
                if (traces is not null)
                {
                    var blocks = new byte[ops][];
                    for (var o = 0; o < ops; o++)
                    {
                        if (span.Length - pos < 8) throw Bad($"ends inside the trace of sample {s}, bits {bits[b]}, op {o}");
                        var op = BinaryPrimitives.ReadUInt32LittleEndian(span[pos..]);
                        var bytes = BinaryPrimitives.ReadUInt32LittleEndian(span[(pos + 4)..]);
                        pos += 8;
                        if (op >= ops || blocks[op] is not null) throw Bad($"has a trace block for op {op} out of place (sample {s}, bits {bits[b]})");
                        var padded = (bytes + 3L) & ~3L;
                        if (span.Length - pos < padded) throw Bad($"ends inside the trace of op {op} (sample {s}, bits {bits[b]})");
                        blocks[op] = span.Slice(pos, (int)bytes).ToArray();
                        pos += (int)padded;
                    }
                    traces[s][b] = blocks;
                }
                if (span.Length - pos < outputSize * 4L) throw Bad($"ends inside the outputs of sample {s}, bits {bits[b]}");
                var values = new int[outputSize];
                for (var i = 0; i < values.Length; i++) values[i] = BinaryPrimitives.ReadInt32LittleEndian(span[(pos + 4 * i)..]);
                pos += (int)outputSize * 4;
                outputs[s][b] = values;
            }
        }
        if (pos != span.Length) throw Bad($"has {span.Length - pos} bytes after the last record");
        return new HarnessOutput((int)samples, bits.ToArray(), (int)ops, (int)outputSize, outputs, traces);
    }
}
