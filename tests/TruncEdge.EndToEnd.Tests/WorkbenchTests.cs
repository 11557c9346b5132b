using TruncEdge.Compiler;
using TruncEdge.Compiler.Passes;
using TruncEdge.Toolchain;
using TruncEdge.Toolchain.Workflow;

namespace TruncEdge.EndToEnd.Tests;

/// <summary>
/// The one workflow of verify, eval, bench and run: a model is emitted once per build, each image
/// is built once and reused, runs agree with the reference, and the work folder goes away with
/// the build unless the caller chose it.
/// </summary>
public sealed class WorkbenchTests
{
    private static readonly TargetCatalog Catalog = TargetCatalog.LoadDefault();

    private static CompiledModel Compile(int seed)
    {
        var c = RandomModels.Make(seed);
        var options = new CompilerOptions { PinFirstAndLast = c.Pin, SourceFile = $"random{seed}.onnx" };
        return new CompiledModel(new CompilerPipeline().Compile(c.Graph, options), c.Graph, $"random{seed}.onnx", $"seed{seed}");
    }

    [Fact]
    public void AnImageIsBuiltOnceAndRunsAgreeWithTheReference()
    {
        var compiled = Compile(5);
        string folder;
        using (var build = new Workbench(Catalog).Build(compiled, Catalog.Get("host")))
        {
            folder = build.Folder;
            var harness = build.Image(ImageKind.Harness);
            var stamp = File.GetLastWriteTimeUtc(harness.ExecutablePath);
            var inputs = RandomInputs.Draw(new Random(5), 3, compiled.Program.InputTensor.Shape.Size);
            var rows = build.RunChecked(inputs, [8, 2]);

            Assert.Same(harness, build.Image(ImageKind.Harness));
            Assert.Equal(stamp, File.GetLastWriteTimeUtc(harness.ExecutablePath));
            Assert.Equal(6, rows.Count);
            Assert.All(rows, r => Assert.True(r.MatchesReference, $"sample {r.Sample} at {r.Bits} bits"));
            Assert.Equal(build.Expected(inputs[2], 2), build.Run([inputs[2]], [2]).Outputs[0][0]);
        }
        Assert.False(Directory.Exists(Path.GetDirectoryName(folder)), "a temporary work folder is removed with its build");
    }

    [Fact]
    public void AWorkFolderTheCallerChoseIsKept()
    {
        var work = Path.Combine(Path.GetTempPath(), "te-workbench-keep-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            using (var build = new Workbench(Catalog).Build(Compile(6), Catalog.Get("host"), new ModelBuildOptions { WorkDirectory = work, Sanitize = true }))
            {
                Assert.Equal(Path.Combine(work, "c"), build.Folder);
                Assert.EndsWith("harness-san", build.Image(ImageKind.Harness).ExecutablePath, StringComparison.Ordinal);
            }
            Assert.True(File.Exists(Path.Combine(work, "c", "build", "host", "harness-san")));
        }
        finally
        {
            if (Directory.Exists(work)) Directory.Delete(work, recursive: true);
        }
    }
}
