namespace TruncEdge.Trainer.Kernels;

/// <summary>
/// A strided view of a matrix stored in a float array: element (i, j) is at
/// <c>Array[Offset + i * RowStride + j * ColStride]</c>. A transposed operand is the same array
/// with the strides swapped, so one GEMM serves every transpose combination.
/// </summary>
public readonly record struct MatrixView(float[] Array, int Offset, int RowStride, int ColStride)
{
    /// <summary>A row-major matrix with <paramref name="cols"/> columns.</summary>
    public static MatrixView RowMajor(float[] array, int cols, int offset = 0) => new(array, offset, cols, 1);

    public MatrixView Transposed => new(Array, Offset, ColStride, RowStride);
}
