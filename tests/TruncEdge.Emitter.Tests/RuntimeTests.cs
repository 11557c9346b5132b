namespace TruncEdge.Emitter.Tests;

public class RuntimeTests
{
    /// <summary>
    /// Fails, naming each file, while runtime-c/ lacks a kernel, a header or a harness file that
    /// emitted folders need. (The other tests stand in test stubs for them meanwhile.)
    /// </summary>
    [Fact]
    public void EmbeddedRuntime_HasEveryKernelHeaderAndHarnessFile()
    {
        var missing = RuntimeSources.Embedded.Missing();
        Assert.True(missing.Count == 0,
            "TruncEdge.Emitter embeds runtime-c/{include,src,harness}; these files do not exist yet: " +
            string.Join(", ", missing.Select(m => "runtime-c/" + m)));
    }

    [Fact]
    public void EmbeddedRuntime_HoldsTheHeadersAsInTheSourceTree()
    {
        var root = Path.GetFullPath(Path.Combine(TestFiles.ProjectDir, "..", "..", "runtime-c"));
        foreach (var header in RuntimeSources.RequiredHeaders)
        {
            Assert.Equal(File.ReadAllText(Path.Combine(root, header)).Replace("\r\n", "\n", StringComparison.Ordinal),
                RuntimeSources.Embedded.Read(header));
        }
    }

    [Theory]
    [InlineData("src/te_conv2d.c", "te_conv2d")]
    [InlineData("src/te_conv2d_dsp.c", "te_conv2d")]
    [InlineData("src/te_dense.c", "te_dense")]
    [InlineData("src/te_add.c", "te_add")]
    [InlineData("src/te_internal.h", null)]
    [InlineData("src/te_common.c", null)]
    [InlineData("src/te_addx.c", null)]
    [InlineData("include/truncedge.h", null)]
    public void SourceFilesMapToTheirKernel(string path, string? kernel) =>
        Assert.Equal(kernel, RuntimeSources.KernelOf(path));

    [Fact]
    public void FolderCarriesOnlyTheKernelsTheModelCalls()
    {
        var tiny = Emit.Folder(TestPrograms.Tiny());
        var kernels = tiny.Files.Select(f => f.Path).Where(p => p.StartsWith("truncedge/src/", StringComparison.Ordinal) && p.EndsWith(".c", StringComparison.Ordinal)).ToList();
        Assert.Equal(["truncedge/src/te_conv2d.c", "truncedge/src/te_conv2d_begin.c", "truncedge/src/te_conv2d_block.c", "truncedge/src/te_conv2d_depthwise.c", "truncedge/src/te_conv2d_fields.c",
            "truncedge/src/te_conv2d_grouped.c", "truncedge/src/te_conv2d_rows.c", "truncedge/src/te_dense.c", "truncedge/src/te_dense_lanes.c", "truncedge/src/te_epilogue.c",
            "truncedge/src/te_requant.c"], kernels);

        var residual = Emit.Folder(TestPrograms.Residual());
        Assert.NotNull(residual.Find("truncedge/src/te_add.c"));
        Assert.Null(residual.Find("truncedge/src/te_maxpool.c"));
        Assert.Null(residual.Find("truncedge/src/te_avgpool.c"));
    }

    [Fact]
    public void RuntimeFilesAreCopiedUnchangedAndTheHarnessSitsInTest()
    {
        var (runtime, _) = TestRuntime.Create();
        var folder = new CSourceEmitter(runtime).Emit(TestPrograms.Vision(), Emit.Options);
        foreach (var header in runtime.Headers)
        {
            Assert.Equal(runtime.Read(header), folder["truncedge/include/" + Path.GetFileName(header)].Content);
        }

        foreach (var shared in runtime.SharedSources)
        {
            Assert.Equal(runtime.Read(shared), folder["truncedge/src/" + Path.GetFileName(shared)].Content);
        }

        foreach (var file in runtime.HarnessFiles)
        {
            Assert.Equal(runtime.Read(file), folder["test/" + Path.GetFileName(file)].Content);
        }

        Assert.Equal(
            ["README.md", "CMakeLists.txt", "Makefile", "model.h", "model.c"],
            folder.Files.Take(5).Select(f => f.Path));
        Assert.DoesNotContain(folder.Files, f => f.Path.StartsWith("truncedge/", StringComparison.Ordinal) && f.Path.Contains("harness", StringComparison.Ordinal));
    }

    [Fact]
    public void EmitterWithoutAKernelSaysWhichFileIsMissing()
    {
        var files = RuntimeSources.Embedded.Files.Where(f => f.Key != "src/te_dense.c").ToDictionary(StringComparer.Ordinal);
        var e = Assert.Throws<InvalidOperationException>(() => new CSourceEmitter(new RuntimeSources(files)).Emit(TestPrograms.Tiny(), Emit.Options));
        Assert.Contains("runtime-c/src/te_dense.c", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromDirectoryReadsARuntimeCheckout()
    {
        var root = Path.GetFullPath(Path.Combine(TestFiles.ProjectDir, "..", "..", "runtime-c"));
        var disk = RuntimeSources.FromDirectory(root);
        Assert.Equal(RuntimeSources.Embedded.Headers, disk.Headers);
        Assert.Contains("include/truncedge.h", disk.Files.Keys);
    }

    [Fact]
    public void RuntimeRejectsPathsOutsideItsFolders() =>
        Assert.Throws<ArgumentException>(() => new RuntimeSources([new("../etc/passwd", "x")]));
}
