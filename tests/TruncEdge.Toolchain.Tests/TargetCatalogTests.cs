using TruncEdge.Model.Diagnostics;
using TruncEdge.Toolchain;

namespace TruncEdge.Toolchain.Tests;

public sealed class TargetCatalogTests
{
    private static readonly string[] AllTargets =
        ["cortex-m0", "cortex-m0plus", "cortex-m3", "cortex-m33", "cortex-m4", "cortex-m55", "cortex-m7", "host", "riscv32"];

    [Fact]
    public void Loads_every_target_shipped_next_to_the_assemblies()
    {
        var catalog = TargetCatalog.LoadDefault();
        Assert.Equal(AllTargets, catalog.Targets.Select(t => t.Name));
        Assert.Equal("cortex-m4", catalog.Default.Name);
        Assert.StartsWith(AppContext.BaseDirectory, catalog.Directory, StringComparison.Ordinal);
    }

    [Fact]
    public void Qemu_targets_carry_machine_memory_board_and_files()
    {
        var catalog = TargetCatalog.LoadDefault();
        foreach (var t in catalog.Targets.Where(t => !t.IsHost))
        {
            Assert.Equal(TargetKind.Qemu, t.Kind);
            Assert.NotNull(t.Qemu);
            Assert.NotNull(t.Memory);
            Assert.NotNull(t.Board);
            Assert.True(File.Exists(t.LinkerScript), t.Name);
            Assert.True(File.Exists(t.HarnessIo), t.Name);
            Assert.All(t.StartupSources, s => Assert.True(File.Exists(s), s));
            Assert.True(t.Board!.FlashBytes <= t.Memory!.Flash.Size, $"{t.Name}: board flash above QEMU's");
            Assert.True(t.Board.RamBytes <= t.Memory.Ram.Size, $"{t.Name}: board RAM above QEMU's");
            Assert.Equal(3, catalog.ToolsFor(t).Count);
        }
        var m33 = catalog.Get("cortex-m33");
        Assert.Equal("mps2-an505", m33.Qemu!.Machine);
        Assert.Equal(0x10000000UL, m33.Memory!.Flash.Origin);
        var m4 = catalog.Get("cortex-m4");
        Assert.Equal(2UL * 1024 * 1024, m4.Board!.FlashBytes);
        Assert.Equal(640UL * 1024, m4.Board.RamBytes);
        Assert.Equal(16UL * 1024, m4.Memory!.StackBytes);
        // Cortex-M0+ code on QEMU's Cortex-M3 board; the fit check uses the Pico's RP2040.
        var m0plus = catalog.Get("cortex-m0plus");
        Assert.Contains("-mcpu=cortex-m0plus", m0plus.CFlags);
        Assert.Equal("mps2-an385", m0plus.Qemu!.Machine);
        Assert.Equal("Raspberry Pi Pico", m0plus.Board!.Name);
        Assert.Equal(2UL * 1024 * 1024, m0plus.Board.FlashBytes);
        Assert.Equal(264UL * 1024, m0plus.Board.RamBytes);
        Assert.Equal(8UL * 1024, m0plus.Memory!.StackBytes);
    }

    [Fact]
    public void An_unknown_target_lists_the_known_ones()
    {
        var e = Assert.Throws<DiagnosticException>(() => TargetCatalog.LoadDefault().Get("cortex-m99"));
        Assert.Equal(ToolchainDiagnosticCodes.UnknownTarget, e.Diagnostic.Code);
        Assert.Contains("cortex-m4", e.Message);
    }

    [Theory]
    [InlineData("*", "{ \"name\": ", "not valid JSON")]
    [InlineData("*", "[1, 2]", "must be a JSON object")]
    [InlineData("\"cc\": \"arm-none-eabi-gcc\",", "", "cc: missing")]
    [InlineData("\"cflags\": [", "\"cflag\": [", "cflag: unknown key")]
    [InlineData("\"kind\": \"qemu\"", "\"kind\": \"board\"", "kind: 'board' is not one of host, qemu")]
    [InlineData("\"stack\": \"16K\"", "\"stack\": \"16Q\"", "memory.stack: '16Q' is not a byte count")]
    [InlineData("\"name\": \"cortex-m4\"", "\"name\": \"m4\"", "must equal the folder name")]
    [InlineData("te_firmware.ld", "te_missing.ld", "linkerScript: file '../common/te_missing.ld' not found")]
    [InlineData("\"timeoutSeconds\": 120", "\"timeoutSeconds\": \"soon\"", "timeoutSeconds: must be an integer")]
    [InlineData("\"ram\": \"640K\"", "\"ram\": -1", "board.ram: '-1' is not a byte count")]
    [InlineData("\"cc\": \"arm-none-eabi-gcc\"", "\"cc\": \"clang\"", "cc: 'clang' is not a command of tools.json")]
    [InlineData("\"binary\": \"qemu-system-arm\"", "\"binary\": \"qemu-arm\"", "qemu.binary: 'qemu-arm' is not a command of tools.json")]
    public void A_malformed_target_json_is_rejected_with_one_line(string oldText, string newText, string expected)
    {
        var dir = CopyTargets();
        try
        {
            var file = Path.Combine(dir, "cortex-m4", "target.json");
            var text = File.ReadAllText(file);
            if (oldText == "*")
            {
                text = newText;
            }
            else
            {
                Assert.Contains(oldText, text);
                text = text.Replace(oldText, newText, StringComparison.Ordinal);
            }
            File.WriteAllText(file, text);

            var e = Assert.Throws<DiagnosticException>(() => TargetCatalog.Load(dir));
            Assert.Equal(ToolchainDiagnosticCodes.BadTargetFile, e.Diagnostic.Code);
            Assert.DoesNotContain('\n', e.Message);
            Assert.Contains("cortex-m4/target.json", e.Message);
            Assert.Contains(expected, e.Message);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void Two_default_targets_are_rejected()
    {
        var dir = CopyTargets();
        try
        {
            var file = Path.Combine(dir, "cortex-m3", "target.json");
            File.WriteAllText(file, File.ReadAllText(file).Replace("\"kind\": \"qemu\",", "\"kind\": \"qemu\", \"default\": true,", StringComparison.Ordinal));
            var e = Assert.Throws<DiagnosticException>(() => TargetCatalog.Load(dir));
            Assert.Contains("exactly one target", e.Message);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Theory]
    [InlineData("0x10", 16UL)]
    [InlineData("640K", 655360UL)]
    [InlineData("4M", 4194304UL)]
    [InlineData("123", 123UL)]
    public void Byte_counts_parse(string text, ulong expected)
    {
        Assert.True(TargetCatalog.TryParseBytes(text, out var v));
        Assert.Equal(expected, v);
    }

    internal static string CopyTargets()
    {
        var source = TargetCatalog.LoadDefault().Directory;
        var dir = Directory.CreateTempSubdirectory("te-targets-").FullName;
        foreach (var file in Directory.GetFiles(source, "*", SearchOption.AllDirectories))
        {
            var dest = Path.Combine(dir, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(dest)!);
            File.Copy(file, dest);
        }
        return dir;
    }
}
