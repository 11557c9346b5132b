using TruncEdge.Model.Diagnostics;
using TruncEdge.Toolchain;

namespace TruncEdge.Toolchain.Tests;

[Collection(ToolchainCollection.Name)]
public sealed class HostRunTests(ToolchainFixture fx)
{
    [Fact]
    public void Host_build_and_run_returns_the_expected_outputs_at_every_bit_width()
    {
        var build = fx.Build("host");
        Assert.True(File.Exists(build.ExecutablePath));
        Assert.Equal(Path.Combine(fx.ModelDirectory, "build", "host"), build.OutputDirectory);
        var samples = TinyModel.Samples(50);
        var result = new HarnessRunner(fx.Catalog).Run(build, samples, TinyModel.AllBits);
        Assert.Equal(TinyModel.OpCount, result.Output.OpCount);
        Assert.Equal(TinyModel.OutputSize, result.Output.OutputSize);
        Assert.Null(result.Traces);
        TinyModel.AssertOutputs(samples, TinyModel.AllBits, result.Outputs);
    }

    [Fact]
    public void Sanitized_host_run_returns_outputs_and_traces()
    {
        var build = fx.Build("host", sanitize: true);
        var samples = TinyModel.Samples(5);
        int[] bits = [8, 3, 1];
        var result = new HarnessRunner(fx.Catalog).Run(build, samples, bits, trace: true);
        TinyModel.AssertOutputs(samples, bits, result.Outputs);
        Assert.NotNull(result.Traces);
        for (var s = 0; s < samples.Count; s++)
        {
            for (var b = 0; b < bits.Length; b++)
            {
                Assert.Equal(TinyModel.Op0(samples[s], bits[b]), result.Traces![s][b][0]);
                var op1 = result.Traces[s][b][1];
                Assert.Equal(TinyModel.OutputSize * 4, op1.Length);
                Assert.Equal(TinyModel.Outputs(samples[s], bits[b]), Enumerable.Range(0, 4).Select(i => BitConverter.ToInt32(op1, 4 * i)));
            }
        }
    }

    [Fact]
    public void A_crash_on_the_host_is_reported_with_its_signal()
    {
        var e = Assert.Throws<DiagnosticException>(() =>
            new HarnessRunner(fx.Catalog).Run(fx.Build("host"), [TinyModel.Crash], [8], timeout: TimeSpan.FromSeconds(30)));
        Assert.Equal(ToolchainDiagnosticCodes.GuestCrashed, e.Diagnostic.Code);
        Assert.Contains("SIGILL", e.Message);
    }

    [Fact]
    public void A_hang_on_the_host_stops_at_the_timeout()
    {
        var e = Assert.Throws<DiagnosticException>(() =>
            new HarnessRunner(fx.Catalog).Run(fx.Build("host"), [TinyModel.Hang], [8], timeout: TimeSpan.FromSeconds(1)));
        Assert.Equal(ToolchainDiagnosticCodes.Timeout, e.Diagnostic.Code);
        Assert.Contains("did not finish within 1 s", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Bad_run_inputs_are_refused_before_running()
    {
        var runner = new HarnessRunner(fx.Catalog);
        var build = fx.Build("host");
        Assert.Equal(ToolchainDiagnosticCodes.BadRunInput,
            Assert.Throws<DiagnosticException>(() => runner.Run(build, TinyModel.Samples(2), [0])).Diagnostic.Code);
        Assert.Equal(ToolchainDiagnosticCodes.BadRunInput,
            Assert.Throws<DiagnosticException>(() => runner.Run(build, TinyModel.Samples(2), [9])).Diagnostic.Code);
        Assert.Equal(ToolchainDiagnosticCodes.BadRunInput,
            Assert.Throws<DiagnosticException>(() => runner.Run(build, [], [8])).Diagnostic.Code);
        Assert.Equal(ToolchainDiagnosticCodes.BadRunInput,
            Assert.Throws<DiagnosticException>(() => runner.Run(build, [new byte[12], new byte[11]], [8])).Diagnostic.Code);
    }

    [Fact]
    public void A_short_sample_is_a_harness_input_error()
    {
        var e = Assert.Throws<DiagnosticException>(() => new HarnessRunner(fx.Catalog).Run(fx.Build("host"), [new byte[5]], [8]));
        Assert.Equal(ToolchainDiagnosticCodes.HarnessIoError, e.Diagnostic.Code);
    }

    [Fact]
    public void A_folder_that_is_not_emitted_is_refused()
    {
        var dir = Directory.CreateTempSubdirectory("te-empty-").FullName;
        try
        {
            var e = Assert.Throws<DiagnosticException>(() => new GccBuilder(fx.Catalog).Build(dir, fx.Catalog.Get("host")));
            Assert.Equal(ToolchainDiagnosticCodes.NotEmittedFolder, e.Diagnostic.Code);
            Assert.Contains("model.c is missing", e.Message);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void A_compile_error_names_the_first_error_and_the_log()
    {
        var dir = Directory.CreateTempSubdirectory("te-broken-").FullName;
        try
        {
            foreach (var file in Directory.GetFiles(fx.ModelDirectory, "*", SearchOption.AllDirectories).Where(f => !f.Contains("/build/", StringComparison.Ordinal)))
            {
                var dest = Path.Combine(dir, Path.GetRelativePath(fx.ModelDirectory, file));
                Directory.CreateDirectory(Path.GetDirectoryName(dest)!);
                File.Copy(file, dest);
            }
            // A conversion warning is an error under -Wconversion -Werror.
            File.AppendAllText(Path.Combine(dir, "model.c"), "\nuint8_t model_narrow(int32_t v) { return v; }\n");
            var e = Assert.Throws<DiagnosticException>(() => new GccBuilder(fx.Catalog).Build(dir, fx.Catalog.Get("host")));
            Assert.Equal(ToolchainDiagnosticCodes.BuildFailed, e.Diagnostic.Code);
            Assert.Contains("-Werror=conversion", e.Message);
            Assert.Contains("harness.log", e.Message);
            Assert.DoesNotContain('\n', e.Message);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void Sanitizers_and_bench_images_are_refused_where_they_cannot_run()
    {
        var builder = new GccBuilder(fx.Catalog);
        Assert.Equal(ToolchainDiagnosticCodes.BadBuildOptions, Assert.Throws<DiagnosticException>(() =>
            builder.Build(fx.ModelDirectory, fx.Catalog.Get("cortex-m4"), new BuildOptions { Sanitize = true })).Diagnostic.Code);
        Assert.Equal(ToolchainDiagnosticCodes.BadBuildOptions, Assert.Throws<DiagnosticException>(() =>
            builder.Build(fx.ModelDirectory, fx.Catalog.Get("host"), new BuildOptions { Image = ImageKind.Bench })).Diagnostic.Code);
    }
}
