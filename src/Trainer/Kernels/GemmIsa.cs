using System.Runtime.Intrinsics;

namespace TruncEdge.Trainer.Kernels;

/// <summary>The micro-kernel family a GEMM uses; <see cref="Best"/> picks the widest accelerated one.</summary>
public enum GemmIsa
{
    Scalar,
    Vector256,
    Vector512,
}

internal static class GemmIsaInfo
{
    public static GemmIsa Best =>
        Vector512.IsHardwareAccelerated ? GemmIsa.Vector512
        : Vector256.IsHardwareAccelerated ? GemmIsa.Vector256
        : GemmIsa.Scalar;

    /// <summary>Rows of a micro-tile.</summary>
    public static int Mr(GemmIsa isa) => isa switch
    {
        GemmIsa.Vector512 => 8,
        GemmIsa.Vector256 => 6,
        _ => 4,
    };

    /// <summary>Columns of a micro-tile.</summary>
    public static int Nr(GemmIsa isa) => isa switch
    {
        GemmIsa.Vector512 => 32,
        GemmIsa.Vector256 => 16,
        _ => 8,
    };
}
