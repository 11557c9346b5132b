namespace TruncEdge.Trainer.Kernels;

/// <summary>Shape of a 2-D pooling over feature-major [C, N, H, W] (asymmetric padding allowed).</summary>
public sealed record PoolGeometry(
    int Channels, int Batch, int Height, int Width,
    int KernelH, int KernelW, int StrideH, int StrideW,
    int PadTop, int PadLeft, int PadBottom, int PadRight)
{
    public int OutHeight => (Height + PadTop + PadBottom - KernelH) / StrideH + 1;
    public int OutWidth => (Width + PadLeft + PadRight - KernelW) / StrideW + 1;
    public int Planes => Channels * Batch;
    public int InPlane => Height * Width;
    public int OutPlane => OutHeight * OutWidth;

    public void Validate()
    {
        if (KernelH <= 0 || KernelW <= 0 || StrideH <= 0 || StrideW <= 0 || PadTop < 0 || PadLeft < 0
            || PadBottom < 0 || PadRight < 0 || PadTop >= KernelH || PadBottom >= KernelH || PadLeft >= KernelW || PadRight >= KernelW)
        {
            throw new ArgumentException("bad pooling kernel, stride or padding");
        }
        if (OutHeight <= 0 || OutWidth <= 0)
        {
            throw new ArgumentException($"input {Height}x{Width} is smaller than the pooling window {KernelH}x{KernelW}");
        }
    }
}
