using System.Diagnostics;
using TruncEdge.Compiler;
using TruncEdge.Compiler.Program;
using TruncEdge.Compiler.Reference;
using TruncEdge.Compiler.Verification;
using TruncEdge.Toolchain.Workflow;

namespace TruncEdge.Toolchain.Verification;

/// <summary>What to verify: the target, the weight bit widths, how many random inputs.</summary>
public sealed record VerifyOptions
{
    public required Target Target { get; init; }
    public required IReadOnlyList<int> Bits { get; init; }
    public int Samples { get; init; } = 100;
    public int Seed { get; init; } = 1;
    /// <summary>Build with ASan and UBSan (host only; on by default there).</summary>
    public bool? Sanitize { get; init; }
    /// <summary>Inputs per harness run; every op's output of every input is compared.</summary>
    public int ChunkSize { get; init; } = 50;
    /// <summary>Where the emitted folder and build go; a temporary folder, removed after, when null.</summary>
    public string? WorkDirectory { get; init; }
}

public sealed record VerifyProgress(int SamplesDone, int SamplesTotal, string Stage);

/// <summary>The outcome: how much was compared and the first mismatch, if any.</summary>
public sealed record VerifyReport(string Target, int Samples, IReadOnlyList<int> Bits, long ComparedTensors, long ComparedBytes, Mismatch? FirstMismatch, TimeSpan Elapsed)
{
    public bool Passed => FirstMismatch is null;
}

/// <summary>
/// The C against the C# reference: emits the model, builds it for the target (with sanitizers
/// on the host), runs random inputs at every requested bit width with every op traced, and
/// compares every intermediate tensor and every output, op by op, so the first differing
/// layer is named.
/// </summary>
public sealed class Verifier(TargetCatalog catalog)
{
    public VerifyReport Verify(CompiledModel model, VerifyOptions options, IProgress<VerifyProgress>? progress = null)
    {
        // A k the C carries no table for would only fail in the harness: refuse it before anything is written.
        WeightBits.RequireDeployed(model.Program, options.Bits);
        var clock = Stopwatch.StartNew();
        progress?.Report(new(0, options.Samples, "emitting C"));
        using var build = new Workbench(catalog).Build(model, options.Target, new ModelBuildOptions
        {
            Sanitize = options.Sanitize ?? options.Target.IsHost, WorkDirectory = options.WorkDirectory,
        });
        progress?.Report(new(0, options.Samples, $"building for {options.Target.Name}"));
        build.Image(ImageKind.Harness);

        var program = model.Program;
        var comparer = new ProgramComparer(program);
        var rng = new Random(options.Seed);
        long tensors = 0, values = 0;
        for (var start = 0; start < options.Samples; start += options.ChunkSize)
        {
            var count = Math.Min(options.ChunkSize, options.Samples - start);
            var inputs = RandomInputs.Draw(rng, count, program.InputTensor.Shape.Size);
            progress?.Report(new(start, options.Samples, $"running on {options.Target.Name}"));
            var run = build.Run(inputs, options.Bits, trace: true);

            var mismatches = new Mismatch?[count];
            var counted = new long[count * 2];
            Parallel.For(0, count, i =>
            {
                for (var b = 0; b < options.Bits.Count; b++)
                {
                    var k = options.Bits[b];
                    var expected = build.Reference.Run(inputs[i], BitWidths.All(program, k), keepIntermediates: true);
                    var m = comparer.CompareTrace(start + i, k, expected.OpOutputs!, run.Traces![i][b])
                            ?? ProgramComparer.CompareOutputs(start + i, k, expected.Output, run.Outputs[i][b]);
                    counted[2 * i] += expected.OpOutputs!.Count + 1;
                    counted[2 * i + 1] += expected.OpOutputs!.Sum(t => (long)t.Length) + expected.Output.Length;
                    if (m is not null) { mismatches[i] = m; return; }
                }
            });
            tensors += counted.Where((_, j) => j % 2 == 0).Sum();
            values += counted.Where((_, j) => j % 2 == 1).Sum();
            if (mismatches.FirstOrDefault(m => m is not null) is { } first)
                return new VerifyReport(options.Target.Name, start + count, options.Bits, tensors, values, first, clock.Elapsed);
            progress?.Report(new(start + count, options.Samples, $"compared on {options.Target.Name}"));
        }
        return new VerifyReport(options.Target.Name, options.Samples, options.Bits, tensors, values, null, clock.Elapsed);
    }
}
