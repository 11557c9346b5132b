using System.Diagnostics;
using System.Reflection;
using System.Text;
using TruncEdge.Compiler.Program;

namespace TruncEdge.Emitter.Tests;

/// <summary>Paths of the test project's own files (golden copies, C helpers).</summary>
internal static class TestFiles
{
    public static string ProjectDir { get; } =
        typeof(TestFiles).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "TestProjectDir").Value!;

    public static string Path(params string[] parts) => System.IO.Path.Combine([ProjectDir, .. parts]);
}

/// <summary>A fresh folder under the system temp folder, deleted on dispose.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir()
    {
        Root = Path.Combine(Path.GetTempPath(), "truncedge-emitter-tests", Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    public string Sub(string name) => Path.Combine(Root, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>What one external command did.</summary>
internal sealed record ToolRun(string CommandLine, int ExitCode, string Output, bool TimedOut)
{
    /// <summary>A failure message that shows the command and everything it printed.</summary>
    public string Describe() =>
        $"{CommandLine}\nexit {ExitCode}{(TimedOut ? " (timed out)" : "")}\n{Output}";
}

/// <summary>
/// Runs gcc, make, cmake and the built programs for the tests, with a timeout. (The product's
/// process wrapper belongs to TruncEdge.Toolchain; this is a test-local helper.)
/// </summary>
internal static class Tool
{
    public static bool Exists(string command) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Any(dir => File.Exists(Path.Combine(dir, command)));

    public static ToolRun Run(string command, IEnumerable<string> args, string workingDir, int timeoutSeconds = 120)
    {
        var psi = new ProcessStartInfo(command)
        {
            WorkingDirectory = workingDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        var line = command + " " + string.Join(' ', psi.ArgumentList.Select(a => a.Contains(' ', StringComparison.Ordinal) ? $"'{a}'" : a));
        var output = new StringBuilder();
        using var process = new Process { StartInfo = psi };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(TimeSpan.FromSeconds(timeoutSeconds)))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            return new ToolRun(line, -1, output.ToString(), TimedOut: true);
        }

        process.WaitForExit();
        return new ToolRun(line, process.ExitCode, output.ToString(), TimedOut: false);
    }

    /// <summary>Runs and asserts exit code 0, showing the command and its output otherwise.</summary>
    public static ToolRun RunOk(string command, IEnumerable<string> args, string workingDir, int timeoutSeconds = 120)
    {
        var run = Run(command, args, workingDir, timeoutSeconds);
        Assert.True(run.ExitCode == 0 && !run.TimedOut, run.Describe());
        return run;
    }
}

/// <summary>
/// The runtime the tests emit with: the embedded one, with test stubs standing in for any file
/// that runtime-c/ does not have yet (so that everything else can still be tested), and the
/// list of what was stubbed. <see cref="RuntimeTests.EmbeddedRuntime_HasEveryKernelHeaderAndHarnessFile"/>
/// fails, naming each missing file, as long as the list is not empty.
/// </summary>
internal static class TestRuntime
{
    public static (RuntimeSources Runtime, IReadOnlyList<string> Stubbed) Create()
    {
        var embedded = RuntimeSources.Embedded;
        var missing = embedded.Missing();
        if (missing.Count == 0)
        {
            return (embedded, []);
        }

        var files = embedded.Files.ToDictionary(StringComparer.Ordinal);
        foreach (var path in missing)
        {
            files[path] = Stub(path);
        }

        return (new RuntimeSources(files), missing);
    }

    public static bool KernelsAreReal(IReadOnlyList<string> stubbed) => !stubbed.Any(s => s.StartsWith("src/", StringComparison.Ordinal));

    private static string Stub(string path)
    {
        var name = Path.GetFileName(path);
        if (path.StartsWith("src/", StringComparison.Ordinal))
        {
            var kernel = Path.GetFileNameWithoutExtension(name);
            var signature = kernel switch
            {
                "te_conv2d" => "te_status te_conv2d(const te_conv_params *p, const uint8_t *input, const uint8_t *codes, uint32_t weight_bits, const te_requant *rq, te_operand residual, te_elem output_kind, void *output)",
                "te_dense" => "te_status te_dense(int32_t in_features, int32_t out_features, const uint8_t *input, const uint8_t *codes, uint32_t weight_bits, const te_requant *rq, te_operand residual, te_elem output_kind, void *output)",
                "te_maxpool" => "te_status te_maxpool(const te_pool_params *p, const uint8_t *input, uint8_t *output)",
                "te_avgpool" => "te_status te_avgpool(const te_pool_params *p, int32_t count_include_pad, const int32_t *multiplier, const int8_t *shift, int32_t out_max, const uint8_t *input, uint8_t *output)",
                "te_unpack" => "te_status te_unpack_codes(const uint32_t *packed, uint32_t store_bits, uint32_t weight_bits, uint32_t count, uint32_t first, uint32_t n, uint8_t *codes)",
                "te_requant" => "te_status te_requant_expand(const te_requant_stored *s, int32_t channels, void *work, uint32_t work_bytes, te_requant *out)",
                "te_add" => "te_status te_add(int32_t count, te_operand a, int32_t mult_a, te_operand b, int32_t mult_b, int32_t shift, int32_t lo, int32_t hi, uint8_t *output)",
                _ => throw new InvalidOperationException(path),
            };
            // The stub ignores its arguments; the pragma keeps -Wextra -Werror quiet about that.
            return $"/* TEST STUB for the missing {path}: returns TE_ERR_BAD_PARAMS. */\n#include \"truncedge.h\"\n\n" +
                   "#if defined(__GNUC__)\n#pragma GCC diagnostic ignored \"-Wunused-parameter\"\n#endif\n\n" +
                   $"{signature}\n{{\n    return TE_ERR_BAD_PARAMS;\n}}\n";
        }

        return name switch
        {
            "te_harness_io.h" => "/* TEST STUB for the missing runtime-c/harness/te_harness_io.h. */\n#ifndef TE_HARNESS_IO_H\n#define TE_HARNESS_IO_H\nint te_harness_io_ok(void);\n#endif\n",
            "te_harness_io_host.c" => "/* TEST STUB for the missing runtime-c/harness/te_harness_io_host.c. */\n#include \"te_harness_io.h\"\nint te_harness_io_ok(void)\n{\n    return 1;\n}\n",
            "te_harness.c" => File.ReadAllText(TestFiles.Path("CSupport", "harness_stub.c")),
            _ => throw new InvalidOperationException($"no stub for required runtime file {path}"),
        };
    }
}

/// <summary>Emits test programs and writes them out.</summary>
internal static class Emit
{
    public static readonly EmitOptions Options = new()
    {
        Target = "host",
        ToolVersion = "0.0.0-test",
        CommandLine = "truncedge compile model.onnx --out out/ --target host",
        ModelSha256 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
    };

    public static EmittedFolder Folder(IntegerProgram program, EmitOptions? options = null)
    {
        var (runtime, _) = TestRuntime.Create();
        return new CSourceEmitter(runtime).Emit(program, options ?? Options);
    }

    public static string ToDisk(IntegerProgram program, string dir, EmitOptions? options = null)
    {
        OutputFolderWriter.Write(Folder(program, options), dir);
        return dir;
    }
}
