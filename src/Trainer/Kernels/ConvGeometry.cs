namespace TruncEdge.Trainer.Kernels;

/// <summary>
/// The shape of one 2-D convolution over a feature-major batch: input [Cin, N, H, W], weights
/// [Cout, Cin/Groups, KH, KW], output [Cout, N, OH, OW]. Padding may be asymmetric (ONNX pads
/// [top, left, bottom, right]); padded positions read as zero.
/// </summary>
public sealed record ConvGeometry(
    int InChannels, int OutChannels, int Groups,
    int KernelH, int KernelW, int StrideH, int StrideW,
    int PadTop, int PadLeft, int PadBottom, int PadRight,
    int Batch, int Height, int Width)
{
    public int OutHeight => (Height + PadTop + PadBottom - KernelH) / StrideH + 1;
    public int OutWidth => (Width + PadLeft + PadRight - KernelW) / StrideW + 1;
    public int InPerGroup => InChannels / Groups;
    public int OutPerGroup => OutChannels / Groups;
    /// <summary>Rows of the im2col matrix of one group: (Cin/g) * KH * KW.</summary>
    public int PatchSize => InPerGroup * KernelH * KernelW;
    /// <summary>Columns of the im2col matrix: N * OH * OW.</summary>
    public int OutPositions => Batch * OutHeight * OutWidth;
    public int InPlane => Height * Width;
    public int OutPlane => OutHeight * OutWidth;

    public bool IsDepthwise => Groups == InChannels && Groups == OutChannels && Groups > 1;

    /// <summary>True when the im2col matrix is the input itself (1x1 kernel, stride 1, no padding).</summary>
    public bool IsPointwise =>
        KernelH == 1 && KernelW == 1 && StrideH == 1 && StrideW == 1
        && PadTop == 0 && PadLeft == 0 && PadBottom == 0 && PadRight == 0;

    public void Validate()
    {
        if (InChannels <= 0 || OutChannels <= 0 || Groups <= 0 || InChannels % Groups != 0 || OutChannels % Groups != 0)
        {
            throw new ArgumentException($"bad channel/group counts: in {InChannels}, out {OutChannels}, groups {Groups}");
        }
        if (KernelH <= 0 || KernelW <= 0 || StrideH <= 0 || StrideW <= 0 || PadTop < 0 || PadLeft < 0 || PadBottom < 0 || PadRight < 0)
        {
            throw new ArgumentException("bad kernel, stride or padding");
        }
        if (OutHeight <= 0 || OutWidth <= 0)
        {
            throw new ArgumentException($"input {Height}x{Width} is smaller than the kernel {KernelH}x{KernelW}");
        }
    }
}
