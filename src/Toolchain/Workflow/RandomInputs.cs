namespace TruncEdge.Toolchain.Workflow;

/// <summary>Random uint8 input samples, drawn one after another from one generator, so a seed names the same inputs in every verb.</summary>
public static class RandomInputs
{
    public static List<byte[]> Draw(Random rng, int count, int size) =>
        Enumerable.Range(0, count).Select(_ =>
        {
            var b = new byte[size];
            rng.NextBytes(b);
            return b;
        }).ToList();
}
