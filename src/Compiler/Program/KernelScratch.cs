namespace TruncEdge.Compiler.Program;

/// <summary>
/// Arena bytes an op's kernel may use as scratch during its call (nothing survives the call):
/// the block forms of te_conv2d expand a block of weights there. The figure is the C runtime's
/// <c>te_conv2d_scratch_bytes</c> (runtime-c/src/te_conv2d.c), computed the same way here so that
/// the planner can place it; a test compiles the C function and compares the two.
/// </summary>
public static class KernelScratch
{
    /// <summary>Quads of expanded weights the block path fills (TE_BLOCK_SCRATCH_QUADS).</summary>
    private const int BlockQuads = 4;
    /// <summary>Words of channels per block of the field form (TE_FIELDS_MAX_WORDS).</summary>
    private const int FieldWords = 4;

    /// <summary>Scratch bytes of a convolution: 0 unless groups == 1.</summary>
    public static long ConvBytes(int kernelH, int kernelW, int inChannels, int outChannels, int groups)
    {
        if (groups != 1 || kernelH < 1 || kernelW < 1 || inChannels < 1 || outChannels < 1)
        {
            return 0;
        }

        long rk = (long)kernelW * inChannels;
        long quads = (outChannels + 3) / 4;
        var window = ((long)kernelH * 4 * ((rk + 3) / 4) + 3) / 4 * 4;
        var block = window + 32L * kernelH * ((rk + 3) / 4) * Math.Min(quads, BlockQuads);
        var fields = 4L * kernelH * rk * Math.Min(quads, FieldWords);
        return Math.Min(Math.Max(block, fields), uint.MaxValue);
    }

    /// <summary>
    /// The least scratch worth planning for a convolution: one block of each form (a quad of the
    /// block path with its window, a word of the field form); below it the kernel takes its forms
    /// without scratch. 0 unless groups == 1.
    /// </summary>
    public static long ConvMinBytes(int kernelH, int kernelW, int inChannels, int outChannels, int groups)
    {
        if (groups != 1 || kernelH < 1 || kernelW < 1 || inChannels < 1 || outChannels < 1)
        {
            return 0;
        }

        long rk = (long)kernelW * inChannels;
        var window = ((long)kernelH * 4 * ((rk + 3) / 4) + 3) / 4 * 4;
        return Math.Max(window + 32L * kernelH * ((rk + 3) / 4), 4L * kernelH * rk);
    }

    /// <summary>The most scratch an op's kernel can use (0 for ops whose kernels use none).</summary>
    public static int Bytes(IntegerProgram program, ProgramOp op) => op switch
    {
        ConvOp c => checked((int)ConvBytes(c.KernelH, c.KernelW, program.Tensors[c.Input].Shape.Channels,
            program.Tensors[c.Output].Shape.Channels, c.Groups)),
        _ => 0,
    };

    /// <summary>
    /// What te_conv2d takes on the stack when it is given no scratch (TE_CONV_SCRATCH_BYTES for
    /// the weights and an eighth of it for a window): the planner gives every op at least this
    /// much (or all it can use, if less), so that arena scratch is never slower than the stack.
    /// </summary>
    public const int StackDefaultBytes = 4608 + 4608 / 8;

    /// <summary>The least scratch the planner gives an op: what the stack default would give, at
    /// least one block of each form, at most what the kernel can use.</summary>
    public static int MinBytes(IntegerProgram program, ProgramOp op) => op switch
    {
        ConvOp c => checked((int)Math.Min(
            ConvBytes(c.KernelH, c.KernelW, program.Tensors[c.Input].Shape.Channels, program.Tensors[c.Output].Shape.Channels, c.Groups),
            Math.Max(StackDefaultBytes, ConvMinBytes(c.KernelH, c.KernelW, program.Tensors[c.Input].Shape.Channels,
                program.Tensors[c.Output].Shape.Channels, c.Groups)))),
        _ => 0,
    };
}

/// <summary>The arena bytes planned as one op's kernel scratch: [ArenaOffset, ArenaOffset + Bytes).</summary>
public sealed class ScratchBlock(int op, int bytes)
{
    /// <summary>Index of the op whose call uses it.</summary>
    public int Op { get; } = op;
    public int Bytes { get; } = bytes;
    /// <summary>Offset in the arena (-1 until planned); 4-byte aligned like every arena offset.</summary>
    public int ArenaOffset { get; set; } = -1;
}
