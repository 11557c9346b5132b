using TruncEdge.Compiler;
using TruncEdge.Compiler.Reference;
using TruncEdge.Toolchain;
using TruncEdge.Toolchain.Boards;

namespace TruncEdge.Cli.Tests;

/// <summary>
/// `compile --board`: every shipped board's firmware project builds with CMake to .elf/.bin/.hex,
/// and the QEMU-emulated one runs, prints the class of its stored sample at k = 8, takes the key
/// '2' on its UART and prints the class at k = 2: both the C# reference executor's.
/// </summary>
public class BoardFirmwareTests
{
    private static readonly string Model = Path.Combine(RepoRoot(), "examples", "digits-cnn", "model.onnx");

    [Theory]
    [InlineData("nucleo-l4r5zi")]
    [InlineData("nucleo-h743zi")]
    [InlineData("hifive1-revb")]
    [InlineData("mps2-an386")]
    public void TheBoardsFirmwareProjectBuilds(string board)
    {
        var dir = Build(board);
        foreach (var ext in new[] { "elf", "bin", "hex" })
            Assert.True(File.Exists(Path.Combine(dir, "build", "firmware." + ext)), $"{board}: no firmware.{ext}");
    }

    [Fact]
    public void TheFirmwareRunsUnderQemuAndSwitchesBitsFromTheConsole()
    {
        var dir = Build("mps2-an386");
        var r = ProcessRunner.Run(new ProcessSpec("sh", ["-c",
            $"(sleep 3; printf 2; sleep 3) | qemu-system-arm -M mps2-an386 -nographic -monitor none -serial stdio -kernel '{Path.Combine(dir, "build", "firmware.elf")}'"])
            { Timeout = TimeSpan.FromSeconds(20) });
        var compiled = new ModelCompiler().CompileFile(Model, new Compiler.Passes.CompilerOptions { PinFirstAndLast = true, SourceFile = Model });
        var sample = FirmwareProject.DefaultSample(compiled.Program);
        var reference = new ReferenceExecutor(compiled.Program);
        foreach (var k in new[] { 8, 2 })
        {
            var output = reference.Run(sample, BitWidths.All(compiled.Program, k)).Output;
            var best = Array.IndexOf(output, output.Max());
            Assert.Contains($"bits {k}: class {best} (output {output[best]})", r.StandardOutput, StringComparison.Ordinal);
        }
    }

    private static string Build(string board)
    {
        var dir = Path.Combine(CliRunner.TempDir(), board);
        var c = CliRunner.Run("compile", Model, "--board", board, "-o", dir);
        Assert.True(c.ExitCode == 0, c.StandardError + c.StandardOutput);
        var target = new BoardCatalog(TargetCatalog.LoadDefault()).Get(board).Target;
        foreach (var args in new[] { new[] { "-S", dir, "-B", Path.Combine(dir, "build"), "--toolchain", Path.Combine(dir, "model", "cmake", target + ".cmake") },
                                     new[] { "--build", Path.Combine(dir, "build") } })
        {
            var r = ProcessRunner.Run(new ProcessSpec("cmake", args) { Timeout = TimeSpan.FromMinutes(5) });
            Assert.True(r.ExitCode == 0, $"cmake {string.Join(' ', args)}:\n{r.StandardOutput}\n{r.StandardError}");
        }
        return dir;
    }

    private static string RepoRoot([System.Runtime.CompilerServices.CallerFilePath] string thisFile = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(thisFile)!, "..", ".."));
}
