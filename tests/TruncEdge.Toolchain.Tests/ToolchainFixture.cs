using TruncEdge.Toolchain;

namespace TruncEdge.Toolchain.Tests;

/// <summary>
/// Shared by every test that runs GCC or QEMU: the target catalog, a private copy of the
/// hand-made model folder (Fixtures/tiny-model, the emitted layout) and a cache of builds, so
/// each (target, image) is compiled once per test run. Tests using it run one after another
/// (one collection): the machine has two cores and every build and run is a process.
/// </summary>
public sealed class ToolchainFixture : IDisposable
{
    private readonly Dictionary<(string, string, ImageKind, bool), BuildResult> _builds = [];
    private readonly Lock _lock = new();
    private string? _runtimeModel;

    public ToolchainFixture()
    {
        Catalog = TargetCatalog.LoadDefault();
        ModelDirectory = Directory.CreateTempSubdirectory("te-tiny-model-").FullName;
        var source = Path.Combine(AppContext.BaseDirectory, "Fixtures", "tiny-model");
        foreach (var file in Directory.GetFiles(source, "*", SearchOption.AllDirectories))
        {
            var rel = Path.GetRelativePath(source, file);
            if (rel.StartsWith("build", StringComparison.Ordinal)) continue;
            var dest = Path.Combine(ModelDirectory, rel);
            Directory.CreateDirectory(Path.GetDirectoryName(dest)!);
            File.Copy(file, dest);
        }
    }

    public TargetCatalog Catalog { get; }

    /// <summary>The private copy of Fixtures/tiny-model.</summary>
    public string ModelDirectory { get; }

    /// <summary>
    /// The real runtime of this checkout (runtime-c/include, src, harness) with its hand-written
    /// fake model (runtime-c/tests/fake_model), assembled in the emitted layout.
    /// </summary>
    public string RuntimeModelDirectory
    {
        get
        {
            lock (_lock)
            {
                return _runtimeModel ??= AssembleRuntimeModel();
            }
        }
    }

    /// <summary>Builds (once) <paramref name="folder"/> (default: the tiny model) for a target.</summary>
    public BuildResult Build(string target, ImageKind image = ImageKind.Harness, bool sanitize = false, string? folder = null)
    {
        folder ??= ModelDirectory;
        lock (_lock)
        {
            if (!_builds.TryGetValue((folder, target, image, sanitize), out var build))
            {
                build = new GccBuilder(Catalog).Build(folder, Catalog.Get(target), new BuildOptions { Image = image, Sanitize = sanitize });
                _builds[(folder, target, image, sanitize)] = build;
            }
            return build;
        }
    }

    private static string AssembleRuntimeModel()
    {
        var dir = Directory.CreateTempSubdirectory("te-runtime-model-").FullName;
        var runtime = Path.Combine(MissingToolTests.RepoRoot(), "runtime-c");
        void Copy(string from, string pattern, string to)
        {
            Directory.CreateDirectory(Path.Combine(dir, to));
            foreach (var f in Directory.GetFiles(Path.Combine(runtime, from), pattern)) File.Copy(f, Path.Combine(dir, to, Path.GetFileName(f)));
        }
        Copy("tests/fake_model", "model.*", ".");
        Copy("include", "*.h", "truncedge/include");
        Copy("src", "*.c", "truncedge/src");
        Copy("src", "*.h", "truncedge/src");
        Copy("harness", "*", "test");
        return dir;
    }

    public void Dispose()
    {
        foreach (var dir in new[] { ModelDirectory, _runtimeModel })
        {
            try
            {
                if (dir is not null) Directory.Delete(dir, true);
            }
            catch (IOException)
            {
            }
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ToolchainCollection : ICollectionFixture<ToolchainFixture>
{
    public const string Name = "toolchain";
}

/// <summary>
/// The stand-in model of Fixtures/tiny-model/model.h, computed in C#: what every target must
/// output, bit for bit.
/// </summary>
public static class TinyModel
{
    public const int InputSize = 12;
    public const int OutputSize = 4;
    public const int OpCount = 2;

    public static readonly byte[] Codes =
    [
        0, 17, 34, 51, 68, 85, 102, 119, 136, 153, 170, 187,
        255, 240, 225, 210, 195, 180, 165, 150, 135, 120, 105, 90,
        128, 127, 129, 126, 130, 125, 131, 124, 132, 123, 133, 122,
        7, 250, 3, 201, 99, 45, 180, 66, 12, 240, 77, 160,
    ];

    /// <summary>Input bytes that make the model execute __builtin_trap().</summary>
    public static byte[] Crash => [0xFA, 0xCE, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];

    /// <summary>Input bytes that make the model use 24 KB of stack (the outputs stay right).</summary>
    public static byte[] StackHog => [0x57, 0xAC, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

    /// <summary>Input bytes that make the model load a word from an odd address (the outputs stay right where that works).</summary>
    public static byte[] Misaligned => [0xA1, 0x16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];

    /// <summary>Input bytes that make the model loop forever.</summary>
    public static byte[] Hang => [0x1D, 0x1E, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];

    public static byte[] Op0(byte[] x, int bits) => x.Select(v => (byte)Math.Min(255, (v * bits + 3) >> 2)).ToArray();

    public static int[] Outputs(byte[] x, int bits)
    {
        var y = Op0(x, bits);
        var levels = (1 << bits) - 1;
        var result = new int[OutputSize];
        for (var o = 0; o < OutputSize; o++)
        {
            for (var i = 0; i < InputSize; i++) result[o] += (2 * (Codes[o * InputSize + i] >> (8 - bits)) - levels) * y[i];
        }
        return result;
    }

    /// <summary>Seeded random samples, plus the all-zero and all-255 edges.</summary>
    public static List<byte[]> Samples(int count, int seed = 1234)
    {
        var random = new Random(seed);
        var list = new List<byte[]> { new byte[InputSize], Enumerable.Repeat((byte)255, InputSize).ToArray() };
        while (list.Count < count)
        {
            var s = new byte[InputSize];
            random.NextBytes(s);
            if (s[0] is 0xFA or 0x1D or 0x57) s[0] = 0;
            list.Add(s);
        }
        return list;
    }

    public static readonly int[] AllBits = [1, 2, 3, 4, 5, 6, 7, 8];

    public static void AssertOutputs(IReadOnlyList<byte[]> samples, IReadOnlyList<int> bits, int[][][] outputs)
    {
        Assert.Equal(samples.Count, outputs.Length);
        for (var s = 0; s < samples.Count; s++)
        {
            for (var b = 0; b < bits.Count; b++)
            {
                Assert.True(Outputs(samples[s], bits[b]).SequenceEqual(outputs[s][b]),
                    $"sample {s}, bits {bits[b]}: expected [{string.Join(", ", Outputs(samples[s], bits[b]))}], got [{string.Join(", ", outputs[s][b])}]");
            }
        }
    }
}

/// <summary>
/// A test that needs the cross compilers and QEMU. It fails (with the apt package in the
/// message) when they are missing, unless TRUNCEDGE_SKIP_QEMU=1, which skips it with a reason.
/// </summary>
public sealed class QemuFactAttribute : FactAttribute
{
    public const string Variable = "TRUNCEDGE_SKIP_QEMU";

    public QemuFactAttribute()
    {
        if (Environment.GetEnvironmentVariable(Variable) == "1") Skip = $"{Variable}=1: QEMU tests skipped on request";
    }
}

/// <summary>The theory form of <see cref="QemuFactAttribute"/>.</summary>
public sealed class QemuTheoryAttribute : TheoryAttribute
{
    public QemuTheoryAttribute()
    {
        if (Environment.GetEnvironmentVariable(QemuFactAttribute.Variable) == "1") Skip = $"{QemuFactAttribute.Variable}=1: QEMU tests skipped on request";
    }
}
