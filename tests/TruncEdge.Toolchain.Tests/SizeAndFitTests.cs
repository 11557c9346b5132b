using System.Globalization;
using TruncEdge.Model.Diagnostics;
using TruncEdge.Toolchain;

namespace TruncEdge.Toolchain.Tests;

[Collection(ToolchainCollection.Name)]
public sealed class SizeAndFitTests(ToolchainFixture fx)
{
    [QemuTheory]
    [InlineData("cortex-m4", "arm-none-eabi-size")]
    [InlineData("cortex-m0", "arm-none-eabi-size")]
    [InlineData("cortex-m0plus", "arm-none-eabi-size")]
    [InlineData("riscv32", "riscv64-unknown-elf-size")]
    public void Size_report_agrees_with_binutils_size(string target, string sizeTool)
    {
        foreach (var image in new[] { ImageKind.Footprint, ImageKind.Harness })
        {
            var build = fx.Build(target, image);
            var report = SizeReport.FromElf(build.ExecutablePath);
            var r = ProcessRunner.Run(new ProcessSpec(sizeTool, [build.ExecutablePath]) { Timeout = TimeSpan.FromSeconds(30) });
            Assert.Equal(0, r.ExitCode);
            // Berkeley format:  text  data  bss  dec  hex  filename
            var fields = r.StandardOutput.Split('\n')[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            ulong Field(int i) => ulong.Parse(fields[i], CultureInfo.InvariantCulture);
            Assert.Equal(Field(0), report.Text);
            Assert.Equal(Field(1), report.Data);
            Assert.Equal(Field(2), report.Bss);
            Assert.Equal(Field(0) + Field(1), report.FlashBytes);
            Assert.Equal(Field(1) + Field(2), report.RamBytes);
            Assert.Equal(fx.Catalog.Get(target).Memory!.StackBytes, report.Stack);
        }
    }

    [QemuFact]
    public void Footprint_splits_weights_arena_and_code()
    {
        var report = SizeReport.FromElf(fx.Build("cortex-m4", ImageKind.Footprint).ExecutablePath);
        Assert.Equal((ulong)TinyModel.Codes.Length, report.Weights); // model_layer0_codes
        Assert.Equal(16UL, report.Arena);                           // MODEL_ARENA_SIZE
        Assert.InRange(report.Code, 200UL, 4096UL);
        Assert.Equal(16UL * 1024, report.Stack);
        // The elf symbols agree with nm.
        var nm = ProcessRunner.Run(new ProcessSpec("arm-none-eabi-nm", ["-S", fx.Build("cortex-m4", ImageKind.Footprint).ExecutablePath]));
        Assert.Contains(nm.StandardOutput.Split('\n'), l => l.EndsWith(" model_layer0_codes", StringComparison.Ordinal) && l.Contains(" 00000030 ", StringComparison.Ordinal));
    }

    [QemuFact]
    public void Runtime_code_from_the_linker_map_is_the_linked_kernels_functions()
    {
        // The runtime with its fake model, kernels from the object cache (as bench builds them).
        var build = new GccBuilder(fx.Catalog).Build(fx.RuntimeModelDirectory, fx.Catalog.Get("cortex-m4"),
            new BuildOptions { Image = ImageKind.Footprint, CacheRuntimeObjects = true });
        Assert.NotEmpty(build.RuntimeObjects);
        var measured = LinkerMap.CodeBytes(build.MapPath!, build.RuntimeObjects);

        // Independently: the functions the runtime's objects define, as nm lists them in the image.
        static IEnumerable<string[]> Nm(string path) => ProcessRunner.Run(new ProcessSpec("arm-none-eabi-nm", ["-S", path]))
            .StandardOutput.Split('\n').Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        var names = build.RuntimeObjects.SelectMany(Nm).Where(f => f.Length == 4 && f[2] is "t" or "T").Select(f => f[3]).ToHashSet(StringComparer.Ordinal);
        var functions = Nm(build.ExecutablePath).Where(f => f.Length == 4 && f[2] is "t" or "T" && names.Contains(f[3]))
            .DistinctBy(f => f[0]).ToList();
        var linked = (ulong)functions.Sum(f => (long)ulong.Parse(f[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture));
        Assert.True(linked > 1000, $"only {linked} B of runtime functions linked");
        // Each function's section is padded to 4 bytes (a Thumb function may end on 2): the map counts the padding.
        Assert.InRange(measured, linked, linked + 2UL * (ulong)functions.Count);
        Assert.True(measured < SizeReport.FromElf(build.ExecutablePath).Code);
    }

    [QemuFact]
    public void A_library_link_without_gc_sections_pulls_only_the_variants_a_model_calls()
    {
        // The emitted Makefile archives the runtime; an archive link takes only the objects that
        // resolve a symbol, so a model calling te_conv2d_block and te_dense_lanes must not drag
        // in te_conv2d's dispatch (and with it every other variant) through a shared helper.
        var target = fx.Catalog.Get("cortex-m4");
        var src = Path.Combine(MissingToolTests.RepoRoot(), "runtime-c");
        var dir = Directory.CreateTempSubdirectory("te-archive-").FullName;
        try
        {
            void Run(string tool, params string[] args)
            {
                var r = ProcessRunner.Run(new ProcessSpec(tool, args) { WorkingDirectory = dir, Timeout = TimeSpan.FromMinutes(2) });
                Assert.True(r.ExitCode == 0, $"{tool}: {r.StandardError}");
            }
            var objects = new List<string>();
            foreach (var c in Directory.GetFiles(Path.Combine(src, "src"), "*.c").Order(StringComparer.Ordinal))
            {
                var o = Path.Combine(dir, Path.GetFileNameWithoutExtension(c) + ".o");
                Run(target.Compiler, [.. target.CFlags, "-std=c99", "-O2", "-I" + Path.Combine(src, "include"), "-I" + Path.Combine(src, "src"), "-c", c, "-o", o]);
                objects.Add(o);
            }
            Run("arm-none-eabi-ar", ["rcs", "libte.a", .. objects]);
            File.WriteAllText(Path.Combine(dir, "main.c"), """
                #include "truncedge.h"
                int main(void)
                {
                    volatile te_conv2d_fn conv = te_conv2d_block;
                    volatile const void *dense = (const void *)te_dense_lanes, *expand = (const void *)te_requant_expand;
                    (void)conv; (void)dense; (void)expand;
                    return 0;
                }

                """);
            Run(target.Compiler, [.. target.CFlags, "-std=c99", "-I" + Path.Combine(src, "include"), "-nostartfiles", "-Wl,-e,main", "main.c", "libte.a", "-Wl,-Map=a.map", "-o", "a.elf"]);
            var pulled = System.Text.RegularExpressions.Regex.Matches(File.ReadAllText(Path.Combine(dir, "a.map")), @"libte\.a\((\w+)\.o\)")
                .Select(m => m.Groups[1].Value).Distinct().Order(StringComparer.Ordinal).ToList();
            Assert.Equal(["te_conv2d_begin", "te_conv2d_block", "te_dense_lanes", "te_epilogue", "te_requant"], pulled);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [QemuFact]
    public void Footprint_image_runs_and_exits_0()
    {
        var build = fx.Build("cortex-m4", ImageKind.Footprint);
        var t = build.Target;
        var r = ProcessRunner.Run(new ProcessSpec(t.Qemu!.Binary,
            ["-M", t.Qemu.Machine, .. t.Qemu.Arguments, "-semihosting-config", "enable=on,target=native", "-kernel", build.ExecutablePath])
        { Timeout = TimeSpan.FromSeconds(30) });
        Assert.Equal(0, r.ExitCode);
    }

    [Fact]
    public void Fit_check_refuses_a_model_too_big_for_the_board_with_the_numbers()
    {
        var m4 = fx.Catalog.Get("cortex-m4");
        var fits = new SizeReport("x.elf", Code: 10_000, Weights: 1_000_000, Constants: 5_000, DataInit: 100, Arena: 400_000, Stack: 16_384, OtherData: 2_000);
        FitCheck.Check(m4, fits);

        var tooBig = fits with { Weights = 2_100_000, Arena = 700_000 };
        var e = Assert.Throws<DiagnosticException>(() => FitCheck.Check(m4, tooBig));
        Assert.Equal(ToolchainDiagnosticCodes.DoesNotFit, e.Diagnostic.Code);
        Assert.DoesNotContain('\n', e.Message);
        Assert.Contains("flash needs 2,115,100 B (code 10,000 B + weights 2,100,000 B + constants 5,000 B + data 100 B) but NUCLEO-L4R5ZI has 2,097,152 B", e.Message);
        Assert.Contains("RAM needs 718,384 B (arena 700,000 B + stack 16,384 B + data 2,000 B) but NUCLEO-L4R5ZI has 655,360 B", e.Message);

        // Host targets have no board: nothing to refuse.
        FitCheck.Check(fx.Catalog.Get("host"), tooBig);
    }

    [Fact]
    public void Fit_check_of_a_plan_counts_weights_constants_arena_and_stack()
    {
        var m0 = fx.Catalog.Get("cortex-m0"); // micro:bit: 256 KB flash, 16 KB RAM, 2 KB stack
        FitCheck.CheckPlan(m0, weightBytes: 200_000, constantBytes: 10_000, arenaBytes: 14_000);
        var e = Assert.Throws<DiagnosticException>(() => FitCheck.CheckPlan(m0, 200_000, 10_000, arenaBytes: 15_000));
        Assert.Contains("RAM needs 17,048 B (arena 15,000 B + stack 2,048 B) but BBC micro:bit v1 has 16,384 B", e.Message);
        Assert.DoesNotContain("flash needs", e.Message);

        // cortex-m0plus runs on a 4 MB QEMU board but is measured against the Pico: 2 MB, 264 KB.
        var m0plus = fx.Catalog.Get("cortex-m0plus");
        FitCheck.CheckPlan(m0plus, weightBytes: 2_000_000, constantBytes: 97_152, arenaBytes: 256 * 1024);
        var big = Assert.Throws<DiagnosticException>(() => FitCheck.CheckPlan(m0plus, 2_000_000, 97_153, arenaBytes: 256 * 1024 + 1));
        Assert.Contains("flash needs 2,097,153 B (weights 2,000,000 B + constants 97,153 B) but Raspberry Pi Pico has 2,097,152 B", big.Message);
        Assert.Contains("RAM needs 270,337 B (arena 262,145 B + stack 8,192 B) but Raspberry Pi Pico has 270,336 B", big.Message);
    }

    [QemuFact]
    public void The_real_footprint_of_the_fixture_fits_every_board()
    {
        foreach (var t in fx.Catalog.Targets.Where(t => !t.IsHost))
        {
            FitCheck.Check(t, SizeReport.FromElf(fx.Build(t.Name, ImageKind.Footprint).ExecutablePath) with { Stack = 0 });
        }
    }
}
