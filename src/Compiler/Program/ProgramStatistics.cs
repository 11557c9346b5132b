namespace TruncEdge.Compiler.Program;

/// <summary>Per-op figures people compare: MACs, weight and table bytes.</summary>
public sealed record OpStatistics(int Index, string Kind, string Name, TensorShape Input, TensorShape Output, long Macs, int WeightBytes, int TableBytes, int? Layer, bool Pinned);

/// <summary>Counts derived from a Program; the one place these numbers are computed.</summary>
public static class ProgramStatistics
{
    public static IReadOnlyList<OpStatistics> PerOp(IntegerProgram p) => p.Ops.Select(op =>
    {
        var input = p.Tensors[op.Inputs[0]].Shape;
        var output = p.Tensors[op.Output].Shape;
        return op switch
        {
            ConvOp c => new OpStatistics(op.Index, c.Groups == 1 ? "conv" : c.Groups == input.Channels ? "depthwise" : "grouped conv",
                op.Name, input, output, (long)output.Size * c.KernelH * c.KernelW * (input.Channels / c.Groups),
                p.Layers[c.Layer].StoredBytes, TableBytes(p.Layers[c.Layer]), c.Layer, p.Layers[c.Layer].Pinned),
            DenseOp d => new OpStatistics(op.Index, "dense", op.Name, input, output, (long)input.Size * output.Size,
                p.Layers[d.Layer].StoredBytes, TableBytes(p.Layers[d.Layer]), d.Layer, p.Layers[d.Layer].Pinned),
            MaxPoolOp => new OpStatistics(op.Index, "maxpool", op.Name, input, output, 0, 0, 0, null, false),
            AvgPoolOp a => new OpStatistics(op.Index, "avgpool", op.Name, input, output, 0, 0,
                (a.DividesByFullWindow(input, output) ? 1 : a.Multiplier.Length) * 5, null, false),
            AddOp => new OpStatistics(op.Index, "add", op.Name, input, output, 0, 0, 12, null, false),
            _ => throw new InvalidOperationException(op.GetType().Name),
        };
    }).ToList();

    /// <summary>Flash of the requantization tables as the emitted model stores them for the k the layer
    /// carries (<see cref="StoredRequant.Bytes"/>: per row and channel an int32 bias and
    /// multiplier, int8 pre-shifts and shifts unless all 0 or one for the layer, a residual
    /// multiplier and pre-shift; per k 7 bytes).</summary>
    public static int TableBytes(WeightLayer layer) =>
        (layer.Storage(out var why) ?? throw new InvalidOperationException($"layer {layer.Name}: {why}")).Bytes;

    public static long TotalMacs(IntegerProgram p) => PerOp(p).Sum(s => s.Macs);
    /// <summary>Flash of the stored weight codes: a byte a weight, or the packed words of layers
    /// stored below 8 bits (<see cref="WeightLayer.StoredBytes"/>).</summary>
    public static int WeightBytes(IntegerProgram p) => p.Layers.Sum(l => l.StoredBytes);
    public static int TableBytes(IntegerProgram p) => PerOp(p).Sum(s => s.TableBytes);
    public static int Parameters(IntegerProgram p) => p.Layers.Sum(l => l.Codes.Length);
    /// <summary>The stored bits of the layers that are not pinned (8 when every layer is pinned).</summary>
    public static int StoreBits(IntegerProgram p) => p.Layers.Where(l => !l.Pinned).Select(l => l.StoreBits).DefaultIfEmpty(8).Max();
}
