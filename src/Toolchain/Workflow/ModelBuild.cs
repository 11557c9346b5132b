using TruncEdge.Compiler;
using TruncEdge.Compiler.Reference;

namespace TruncEdge.Toolchain.Workflow;

/// <summary>One output of a <see cref="ModelBuild.RunChecked"/> run, and whether the C# reference computes the same.</summary>
public sealed record CheckedOutput(int Sample, int Bits, int[] Output, bool MatchesReference);

/// <summary>
/// A compiled model emitted for one target, with the images built from that folder: each image
/// (the harness, the bench images, the footprint firmware) is built the first time it is asked
/// for and reused after, its runtime kernels taken from <see cref="RuntimeObjectCache"/> (these
/// builds are throw-away). Made by <see cref="Workbench.Build"/>; disposing it removes the work
/// folder unless the caller chose it. Not thread-safe: one verb drives one build.
/// </summary>
public sealed class ModelBuild : IDisposable
{
    private readonly TargetCatalog _catalog;
    private readonly bool _sanitize;
    private readonly string? _ownedWorkDirectory;
    private readonly Dictionary<ImageKind, BuildResult> _images = [];

    internal ModelBuild(TargetCatalog catalog, CompiledModel model, Target target, string folder, bool sanitize, string? ownedWorkDirectory)
    {
        _catalog = catalog;
        Model = model;
        Target = target;
        Folder = folder;
        _sanitize = sanitize;
        _ownedWorkDirectory = ownedWorkDirectory;
        Reference = new ReferenceExecutor(model.Program);
    }

    public CompiledModel Model { get; }
    public Target Target { get; }

    /// <summary>The emitted C folder (docs/harness.md layout).</summary>
    public string Folder { get; }

    /// <summary>The C# reference the builds are compared with.</summary>
    public ReferenceExecutor Reference { get; }

    /// <summary>The image of <paramref name="kind"/>, built on first use. Sanitizers apply to the harness only.</summary>
    public BuildResult Image(ImageKind kind)
    {
        if (!_images.TryGetValue(kind, out var image))
        {
            image = new GccBuilder(_catalog).Build(Folder, Target, new BuildOptions
            {
                Image = kind, Sanitize = _sanitize && kind == ImageKind.Harness, CacheRuntimeObjects = true,
            });
            _images[kind] = image;
        }
        return image;
    }

    /// <summary>Runs inputs through the harness at each of <paramref name="bits"/> (every op's output traced when asked).</summary>
    public HarnessResult Run(IReadOnlyList<byte[]> inputs, IReadOnlyList<int> bits, bool trace = false, TimeSpan? timeout = null) =>
        new HarnessRunner(_catalog).Run(Image(ImageKind.Harness), inputs, bits, trace, timeout);

    /// <summary>Runs inputs at each bit width and compares every output with the reference's.</summary>
    public IReadOnlyList<CheckedOutput> RunChecked(IReadOnlyList<byte[]> inputs, IReadOnlyList<int> bits)
    {
        var run = Run(inputs, bits);
        var rows = new List<CheckedOutput>();
        for (var s = 0; s < inputs.Count; s++)
            for (var b = 0; b < bits.Count; b++)
                rows.Add(new CheckedOutput(s, bits[b], run.Outputs[s][b], Expected(inputs[s], bits[b]).SequenceEqual(run.Outputs[s][b])));
        return rows;
    }

    /// <summary>Counts instructions of one inference per bit width on a bench image (<see cref="ImageKind.Bench"/> or <see cref="ImageKind.BenchPaths"/>).</summary>
    public InstructionCountResult Count(ImageKind benchImage, byte[] input, IReadOnlyList<int> bits) =>
        new InstructionCounter(_catalog).Count(Image(benchImage), input, bits);

    /// <summary>The reference's output for one input with every layer that is not pinned at <paramref name="bits"/>.</summary>
    public int[] Expected(byte[] input, int bits) => Reference.Run(input, BitWidths.All(Model.Program, bits)).Output;

    public void Dispose()
    {
        if (_ownedWorkDirectory is not null && Directory.Exists(_ownedWorkDirectory)) Directory.Delete(_ownedWorkDirectory, recursive: true);
    }
}
