namespace TruncEdge.Trainer.Tensors;

/// <summary>
/// How kernels may use the machine: the number of worker threads. (Scratch memory comes from
/// ArrayPool, per parallel piece.)
/// Results never depend on the thread count: every parallel loop splits its work into pieces
/// chosen from the problem size alone and reduces partial results in a fixed order.
/// </summary>
public sealed class ComputeContext
{
    public ComputeContext(int threads = 0)
    {
        Threads = threads <= 0 ? Environment.ProcessorCount : threads;
        ParallelOptions = new ParallelOptions { MaxDegreeOfParallelism = Threads };
    }

    public int Threads { get; }
    public ParallelOptions ParallelOptions { get; }

    /// <summary>Runs body(i) for i in [0, count): in parallel when there is more than one piece
    /// and more than one thread, inline otherwise.</summary>
    public void For(int count, Action<int> body)
    {
        if (count <= 0)
        {
            return;
        }
        if (count == 1 || Threads == 1)
        {
            for (int i = 0; i < count; i++)
            {
                body(i);
            }
            return;
        }
        Parallel.For(0, count, ParallelOptions, body);
    }

    /// <summary>Splits [0, total) into pieces of at least <paramref name="minPiece"/> items
    /// (a number that depends on the sizes only) and runs body(start, end) on each.</summary>
    public void ForRange(int total, int minPiece, Action<int, int> body)
    {
        if (total <= 0)
        {
            return;
        }
        int pieces = Math.Max(1, Math.Min(64, total / Math.Max(1, minPiece)));
        int size = (total + pieces - 1) / pieces;
        pieces = (total + size - 1) / size;
        For(pieces, p =>
        {
            int s = p * size;
            body(s, Math.Min(total, s + size));
        });
    }
}
