using System.Globalization;
using System.Text.RegularExpressions;
using TruncEdge.Compiler.Program;
using TruncEdge.Compiler.Reference;
using TruncEdge.Toolchain;
using Xunit.Abstractions;

namespace TruncEdge.Emitter.Tests;

/// <summary>
/// The generated C compiles warning-free under the strictest flags (STYLE rule 12), on the host
/// and for Cortex-M and RISC-V (the cross compilers of scripts/setup-toolchains.sh are required);
/// the whole folder builds with its Makefile and CMakeLists.txt, links the harness, and runs clean
/// under ASan and UBSan.
/// </summary>
public class CCompileTests(ITestOutputHelper log)
{
    /// <summary>The flags of the brief: warnings that catch implementation-defined C, as errors.</summary>
    internal static readonly string[] StrictFlags =
        ["-std=c99", "-Wall", "-Wextra", "-Wconversion", "-Wsign-conversion", "-Werror", "-pedantic"];

    private static readonly string[] Sanitize = ["-fsanitize=address,undefined", "-fno-sanitize-recover=all", "-fno-omit-frame-pointer"];

    [Theory]
    [MemberData(nameof(TestPrograms.All), MemberType = typeof(TestPrograms))]
    public void ModelSourceCompilesWithStrictFlags(string program)
    {
        using var tmp = new TempDir();
        var dir = Emit.ToDisk(TestPrograms.ByName(program), tmp.Sub("out"));
        Tool.RunOk("gcc", [.. StrictFlags, "-O2", "-I.", "-Itruncedge/include", "-c", "model.c", "-o", tmp.Sub("model.o")], dir);
    }

    [Fact]
    public void HeaderIsValidCPlusPlus()
    {
        using var tmp = new TempDir();
        var dir = Emit.ToDisk(TestPrograms.Vision(), tmp.Sub("out"));
        File.WriteAllText(Path.Combine(dir, "use.cpp"), "#include \"model.h\"\nint main() { model_context c; return model_init(&c, nullptr, 0u) == TE_ERR_NULL_POINTER ? 0 : 1; }\n");
        Tool.RunOk("g++", ["-std=c++11", "-Wall", "-Wextra", "-Werror", "-pedantic", "-I.", "-Itruncedge/include", "-fsyntax-only", "use.cpp"], dir);
    }

    [Theory]
    [InlineData("cortex-m4")]
    [InlineData("cortex-m0")]
    [InlineData("riscv32")]
    public void FolderCrossCompilesWithStrictFlagsForCortexMAndRiscV(string targetName)
    {
        // The compiler and flags are the target's own (targets/NAME/target.json), never repeated here.
        var target = TargetCatalog.LoadDefault().Get(targetName);
        var compiler = target.Compiler;
        var cpu = target.CFlags;
        // A missing cross compiler fails the test: passing would claim a cross build that never ran.
        Assert.True(Tool.Exists(compiler), $"{compiler} is not installed (not on PATH): run scripts/setup-toolchains.sh, which installs it");

        using var tmp = new TempDir();
        foreach (var program in new[] { "residual", "residual@1,8" })
        {
            var dir = Emit.ToDisk(TestPrograms.ByName(program), tmp.Sub("out-" + program.Replace('@', '-').Replace(',', '-')));
            var sources = Directory.GetFiles(Path.Combine(dir, "truncedge", "src"), "*.c").Prepend(Path.Combine(dir, "model.c"));
            foreach (var source in sources)
            {
                Tool.RunOk(compiler, [.. StrictFlags, .. cpu, "-O2", "-ffreestanding", "-I.", "-Itruncedge/include", "-c", source,
                    "-o", tmp.Sub(Path.GetFileNameWithoutExtension(source) + ".o")], dir);
            }
        }
    }

    /// <summary>
    /// A folder compiled for cortex-m4 builds, with nothing on the make command line (or with its
    /// CMake toolchain file), with the target's own compiler and flags (targets/cortex-m4/target.json),
    /// and its library links into a hard-float Cortex-M4F firmware; the same library built
    /// soft-float does not (the link check this test relies on is real).
    /// </summary>
    [Fact]
    public void CortexM4FolderLinksIntoAHardFloatFirmware()
    {
        var target = TargetCatalog.LoadDefault().Get("cortex-m4");
        Assert.True(Tool.Exists(target.Compiler), $"{target.Compiler} is not installed: run scripts/setup-toolchains.sh");
        using var tmp = new TempDir();
        var dir = Emit.ToDisk(TestPrograms.ByName("residual"), tmp.Sub("out"),
            Emit.Options with { Target = target.Name, Cross = TruncEdge.Toolchain.Workflow.FirmwareFolder.CrossBuildOf(target) });
        Assert.True(File.Exists(Path.Combine(dir, "cmake", "cortex-m4.cmake")), "no CMake toolchain file for the target");
        File.WriteAllText(Path.Combine(dir, "firmware.c"),
            "#include \"model.h\"\n" +
            "static uint8_t arena[MODEL_ARENA_SIZE];\n" +
            "volatile float gain = 1.5f; /* a hard-float firmware passes floats in VFP registers */\n" +
            "static float scaled(float x) { return x * gain; }\n" +
            "int main(void) { model_context ctx; return model_init(&ctx, arena, sizeof arena) == TE_OK && scaled(2.0f) > 0.0f ? 0 : 1; }\n");
        // The firmware's own flags, as a Cortex-M4F project (STM32Cube, Zephyr) builds.
        string[] firmware = ["-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=hard", "-mfpu=fpv4-sp-d16", "--specs=picolibc.specs", "-O2", "-I.", "-Itruncedge/include", "firmware.c"];

        Tool.RunOk("make", ["-s", "BUILD=" + tmp.Sub("lib")], dir, 300);
        Tool.RunOk(target.Compiler, [.. firmware, Path.Combine(tmp.Sub("lib"), "libmodel.a"), "-o", tmp.Sub("fw.elf")], dir);

        // The CMake toolchain file gives the same library.
        Assert.True(Tool.Exists("cmake"), "cmake is not installed: run scripts/setup-toolchains.sh, which installs it");
        Tool.RunOk("cmake", ["-S", dir, "-B", tmp.Sub("cmake"), "--toolchain", Path.Combine(dir, "cmake", "cortex-m4.cmake")], tmp.Root, 180);
        Tool.RunOk("cmake", ["--build", tmp.Sub("cmake")], tmp.Root, 300);
        Tool.RunOk(target.Compiler, [.. firmware, Path.Combine(tmp.Sub("cmake"), "libmodel.a"), "-o", tmp.Sub("fw-cmake.elf")], dir);

        Tool.RunOk("make", ["-s", "BUILD=" + tmp.Sub("soft"), "TARGET_CFLAGS=-mcpu=cortex-m4 -mthumb"], dir, 300);
        var soft = Tool.Run(target.Compiler, [.. firmware, Path.Combine(tmp.Sub("soft"), "libmodel.a"), "-o", tmp.Sub("soft.elf")], dir);
        Assert.True(soft.ExitCode != 0 && soft.Output.Contains("VFP register arguments", StringComparison.Ordinal), soft.Describe());
    }

    [Theory]
    [InlineData("vision", "model")]
    [InlineData("residual", "kws_net")]
    public void MakefileBuildsTheLibraryAndTheHarness(string program, string prefix)
    {
        var (_, stubbed) = TestRuntime.Create();
        ReportStubs(stubbed);
        using var tmp = new TempDir();
        var dir = Emit.ToDisk(TestPrograms.ByName(program), tmp.Sub("out"), Emit.Options with { Prefix = prefix });
        var strict = string.Join(' ', StrictFlags.Skip(1)) + " -O1";
        Tool.RunOk("make", ["-s", "BUILD=" + tmp.Sub("build"), "CFLAGS=" + strict], dir);
        Assert.True(File.Exists(Path.Combine(tmp.Sub("build"), $"lib{prefix}.a")), "make built no library");
        var nm = Tool.RunOk("nm", ["--defined-only", Path.Combine(tmp.Sub("build"), $"lib{prefix}.a")], dir);
        foreach (var fn in new[] { "init", "invoke", "set_weight_bits", "set_layer_bits", "get_layer_bits", "set_trace", "arena_size" })
        {
            Assert.Contains($" T {prefix}_{fn}", nm.Output, StringComparison.Ordinal);
        }

        // Nothing but the API has external linkage: tables and helpers are static.
        var exported = nm.Output.Split('\n').Where(l => l.Contains(" T ", StringComparison.Ordinal) || l.Contains(" D ", StringComparison.Ordinal) || l.Contains(" R ", StringComparison.Ordinal))
            .Select(l => l.Split(' ')[^1]).Where(s => !s.StartsWith("te_", StringComparison.Ordinal)).ToList();
        Assert.All(exported, s => Assert.StartsWith(prefix + "_", s, StringComparison.Ordinal));
        Assert.DoesNotContain(exported, s => s.Contains("_l0_", StringComparison.Ordinal));

        // The harness target: strict flags plus ASan and UBSan.
        var harnessFlags = strict + " " + string.Join(' ', Sanitize);
        Tool.RunOk("make", ["-s", "BUILD=" + tmp.Sub("build-san"), "CFLAGS=" + harnessFlags, "harness"], dir);
        var harness = Path.Combine(tmp.Sub("build-san"), prefix + "_harness");
        Assert.True(File.Exists(harness), "make harness built nothing");
        if (!TestRuntime.KernelsAreReal(stubbed))
        {
            return;
        }

        if (stubbed.Contains("harness/te_harness.c"))
        {
            // The stub harness runs the model once through the TE_MODEL_* names.
            Tool.RunOk(harness, [], dir);
            return;
        }

        // The real harness: two samples at weight bits 1 and 8 with a trace, through the file
        // protocol of docs/harness.md, against the C# reference executor.
        var p = TestPrograms.ByName(program);
        var samples = new[] { Sample(p, 0), Sample(p, 1) };
        byte[] bits = [1, 8];
        using (var w = new BinaryWriter(File.Create(tmp.Sub("in.bin"))))
        {
            w.Write(0x31494554u);
            w.Write((uint)samples.Length);
            w.Write((uint)bits.Length);
            w.Write(1u);
            w.Write(bits.Concat(new byte[8 - bits.Length]).ToArray());
            foreach (var s in samples)
            {
                w.Write(s);
            }
        }

        Tool.RunOk(harness, [tmp.Sub("in.bin"), tmp.Sub("out.bin")], tmp.Root, 60);
        using var r = new BinaryReader(File.OpenRead(tmp.Sub("out.bin")));
        Assert.Equal(0x314f4554u, r.ReadUInt32());
        Assert.Equal([(uint)samples.Length, (uint)bits.Length, (uint)p.Ops.Count, (uint)p.OutputTensor.Shape.Size],
            new[] { r.ReadUInt32(), r.ReadUInt32(), r.ReadUInt32(), r.ReadUInt32() });
        var reference = new ReferenceExecutor(p);
        foreach (var s in samples)
        {
            foreach (var k in bits)
            {
                var expected = reference.Run(s, BitWidths.All(p, k), keepIntermediates: true);
                for (var op = 0; op < p.Ops.Count; op++)
                {
                    Assert.Equal((uint)op, r.ReadUInt32());
                    var n = (int)r.ReadUInt32();
                    Assert.True(expected.OpOutputs![op].AsSpan().SequenceEqual(r.ReadBytes(n)), $"k = {k}, op {op}: harness trace differs from the reference");
                    r.ReadBytes((4 - n % 4) % 4);
                }

                Assert.Equal(expected.Output, Enumerable.Range(0, p.OutputTensor.Shape.Size).Select(_ => r.ReadInt32()).ToArray());
            }
        }

        Assert.Equal(r.BaseStream.Length, r.BaseStream.Position);
    }

    /// <summary>
    /// --deploy-bits saves flash: in the compiled object the table arrays hold exactly the bytes
    /// ProgramStatistics counts, and leaving out 5 of 8 rows removes 5 rows of every layer that
    /// is not pinned (the k to row map costs 8 bytes).
    /// </summary>
    [Fact]
    public void DeployedTablesShrinkTheObjectByTheRowsLeftOut()
    {
        using var tmp = new TempDir();
        var sizes = new Dictionary<string, (long Tables, long Map)>(StringComparer.Ordinal);
        foreach (var program in new[] { "vision", "vision@2,4,8" })
        {
            var p = TestPrograms.ByName(program);
            var dir = Emit.ToDisk(p, tmp.Sub(program.Replace('@', '-').Replace(',', '-')));
            Tool.RunOk("gcc", [.. StrictFlags, "-O2", "-I.", "-Itruncedge/include", "-c", "model.c", "-o", "model.o"], dir);
            var symbols = Tool.RunOk("nm", ["-S", "model.o"], dir).Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(l => l.Split(' ')).Where(f => f.Length == 4)
                .ToDictionary(f => f[3], f => Convert.ToInt64(f[1], 16), StringComparer.Ordinal);
            var tables = symbols.Where(kv => Regex.IsMatch(kv.Key, @"^model_l\d+_(bias|mult|pshift|shift|rmult|rpshift|kfactor|kshift)$")).Sum(kv => kv.Value);
            Assert.Equal(p.Layers.Sum(ProgramStatistics.TableBytes), tables);
            sizes[program] = (tables, symbols.GetValueOrDefault("model_bits_row"));
        }

        // Layers 1 (4 channels, one row per k: int32 bias and multiplier, int8 shift, 9 B per channel)
        // and 2 (the same with a residual multiplier and pre-shift, 14 B) lose k = 1, 3, 5, 6, 7 and
        // their 7-byte steps.
        Assert.Equal(5 * (4 * 9 + 4 * 14 + 2 * StoredRequant.StepBytes), sizes["vision"].Tables - sizes["vision@2,4,8"].Tables);
        Assert.Equal((0L, 8L), (sizes["vision"].Map, sizes["vision@2,4,8"].Map));
    }

    private static byte[] Sample(TruncEdge.Compiler.Program.IntegerProgram p, int seed) =>
        Enumerable.Range(0, p.InputTensor.Shape.Size).Select(i => (byte)((i * (37 + 2 * seed) + 11 + 50 * seed) & 0xff)).ToArray();

    [Fact]
    public void CMakeBuildsTheLibraryAndTheHarness()
    {
        // A missing cmake fails the test rather than passing it unrun (scripts/setup-toolchains.sh installs it).
        Assert.True(Tool.Exists("cmake"), "cmake is not installed: run scripts/setup-toolchains.sh, which installs it");

        using var tmp = new TempDir();
        var dir = Emit.ToDisk(TestPrograms.Vision(), tmp.Sub("out"), Emit.Options with { Prefix = "vis" });
        Tool.RunOk("cmake", ["-S", dir, "-B", tmp.Sub("build"), "-DVIS_BUILD_HARNESS=ON", "-DCMAKE_C_FLAGS=-Wall -Wextra -Wconversion -Werror"], tmp.Root, 180);
        Tool.RunOk("cmake", ["--build", tmp.Sub("build")], tmp.Root, 300);
        Assert.True(File.Exists(Path.Combine(tmp.Sub("build"), "libvis.a")), "cmake built no libvis.a");
        Assert.True(File.Exists(Path.Combine(tmp.Sub("build"), "vis_harness")), "cmake built no vis_harness");
    }

    /// <summary>
    /// Runs api_smoke.c against the real kernels under ASan and UBSan: every status of the API,
    /// every weight bit width, the trace, determinism; and compares every op's output tensor and
    /// the outputs, at every (deployed) weight bit width, with the C# reference executor, bit for
    /// bit. A folder compiled for some k only refuses the others with TE_ERR_BITS_NOT_DEPLOYED.
    /// Needs the kernels of runtime-c/src.
    /// </summary>
    [Theory]
    [InlineData("vision", "model")]
    [InlineData("residual", "net2")]
    [InlineData("tiny", "tiny")]
    [InlineData("vision@2,4,8", "model")]
    [InlineData("residual@1,8", "net3")]
    [InlineData("residual-nopin@2,4", "net4")]
    [InlineData("vision:s4", "net5")]
    [InlineData("residual:s3", "net6")]
    public void GeneratedApiBehavesAsDocumented(string program, string prefix)
    {
        var (_, stubbed) = TestRuntime.Create();
        if (!TestRuntime.KernelsAreReal(stubbed))
        {
            ReportStubs(stubbed);
            log.WriteLine("NOT RUN: the model needs kernels that runtime-c/src does not have yet");
            return;
        }

        using var tmp = new TempDir();
        var p = TestPrograms.ByName(program);
        var dir = Emit.ToDisk(p, tmp.Sub("out"), Emit.Options with { Prefix = prefix });
        var pinned = "{" + string.Join(',', p.Layers.Select(l => l.Pinned ? "1" : "0")) + "}";
        var deployed = TestPrograms.DeployedBits(program);
        string[] deployFlags = WeightBits.IsAll(deployed) ? [] : [$"-DTE_DEPLOYED=0x{WeightBits.Mask(deployed):X2}u", "-DTE_HAS_MASK"];
        var exe = tmp.Sub("smoke");
        var sources = Directory.GetFiles(Path.Combine(dir, "truncedge", "src"), "*.c").Order(StringComparer.Ordinal)
            .Prepend(Path.Combine(dir, prefix + ".c")).Append(TestFiles.Path("CSupport", "api_smoke.c"));
        Tool.RunOk("gcc", [.. StrictFlags, "-O1", "-g", .. Sanitize, "-I" + dir, "-I" + Path.Combine(dir, "truncedge", "include"),
            $"-DTE_MODEL_HEADER=\"{prefix}.h\"", "-DTE_PREFIX=" + prefix, "-DTE_UPPER=" + prefix.ToUpperInvariant(), "-DTE_PINNED=" + pinned, .. deployFlags,
            .. sources, "-o", exe], tmp.Root, 180);
        var run = Tool.RunOk(exe, [], tmp.Root, 60);
        var lines = run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(deployed, lines.Where(l => l.StartsWith("bits ", StringComparison.Ordinal))
            .Select(l => int.Parse(l["bits ".Length..l.IndexOf(':', StringComparison.Ordinal)], CultureInfo.InvariantCulture)));

        var input = Enumerable.Range(0, p.InputTensor.Shape.Size).Select(i => (byte)((i * 37 + 11) & 0xff)).ToArray();
        var reference = new ReferenceExecutor(p);
        var ops = new List<string>();
        foreach (var line in lines)
        {
            if (line.StartsWith("op ", StringComparison.Ordinal))
            {
                ops.Add(line[(line.IndexOf(": ", StringComparison.Ordinal) + 2)..]);
                continue;
            }

            var k = int.Parse(line["bits ".Length..line.IndexOf(':', StringComparison.Ordinal)], CultureInfo.InvariantCulture);
            var expected = reference.Run(input, BitWidths.All(p, k), keepIntermediates: true);
            Assert.Equal(p.Ops.Count, ops.Count);
            for (var i = 0; i < p.Ops.Count; i++)
            {
                var want = Convert.ToHexStringLower(expected.OpOutputs![i]);
                if (want != ops[i])
                {
                    var at = Enumerable.Range(0, want.Length / 2).First(j => want.Substring(2 * j, 2) != ops[i].Substring(2 * j, 2));
                    Assert.Fail($"k = {k}, op {i} '{p.Ops[i].Name}': C and reference differ first at byte {at}: C {ops[i].Substring(2 * at, 2)}, reference {want.Substring(2 * at, 2)}");
                }
            }

            var got = line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries)
                .Select(v => int.Parse(v, CultureInfo.InvariantCulture)).ToArray();
            Assert.Equal(expected.Output, got);
            ops.Clear();
        }

        log.WriteLine(string.Join('\n', lines.Where(l => l.StartsWith("bits", StringComparison.Ordinal))));
    }

    private void ReportStubs(IReadOnlyList<string> stubbed)
    {
        if (stubbed.Count > 0)
        {
            log.WriteLine("runtime-c lacks " + string.Join(", ", stubbed) + ": built with test stubs in their place");
        }
    }
}
