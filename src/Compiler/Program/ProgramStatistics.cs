namespace TruncEdge.Compiler.Program;

/// <summary>Per-op figures people compare: MACs, weight and table bytes.</summary>
public sealed record OpStatistics(int Index, string Kind, string Name, TensorShape Input, TensorShape Output, long Macs, int WeightBytes, int TableBytes, int? Layer, bool Pinned);

/// <summary>Counts derived from a Program; the one place these numbers are computed.</summary>
public static class ProgramStatistics
{
    public static IReadOnlyList<OpStatistics> PerOp(IntegerProgram p)
    {
        var figures = new OpFigures(p);
        return p.Ops.Select(op => op.Accept(figures)).ToList();
    }

    private sealed class OpFigures(IntegerProgram p) : IOpVisitor<OpStatistics>
    {
        public OpStatistics Visit(ConvOp c)
        {
            var (input, output) = Shapes(c);
            var kind = c.Groups == 1 ? "conv" : c.Groups == input.Channels ? "depthwise" : "grouped conv";
            return Weighted(c, kind, (long)output.Size * c.KernelH * c.KernelW * (input.Channels / c.Groups), c.Layer);
        }

        public OpStatistics Visit(DenseOp d)
        {
            var (input, output) = Shapes(d);
            return Weighted(d, "dense", (long)input.Size * output.Size, d.Layer);
        }

        public OpStatistics Visit(MaxPoolOp m) => Plain(m, "maxpool", 0);

        public OpStatistics Visit(AvgPoolOp a)
        {
            var (input, output) = Shapes(a);
            return Plain(a, "avgpool", (a.DividesByFullWindow(input, output) ? 1 : a.Multiplier.Length) * 5);
        }

        public OpStatistics Visit(AddOp a) => Plain(a, "add", 12);

        private (TensorShape Input, TensorShape Output) Shapes(ProgramOp op) => (p.Tensors[op.Inputs[0]].Shape, p.Tensors[op.Output].Shape);

        private OpStatistics Weighted(ProgramOp op, string kind, long macs, int layer)
        {
            var (input, output) = Shapes(op);
            var l = p.Layers[layer];
            return new OpStatistics(op.Index, kind, op.Name, input, output, macs, l.StoredBytes, TableBytes(l), layer, l.Pinned);
        }

        private OpStatistics Plain(ProgramOp op, string kind, int tableBytes)
        {
            var (input, output) = Shapes(op);
            return new OpStatistics(op.Index, kind, op.Name, input, output, 0, 0, tableBytes, null, false);
        }
    }

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
