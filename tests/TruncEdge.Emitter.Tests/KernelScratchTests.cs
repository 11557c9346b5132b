using System.Globalization;
using System.Text;
using TruncEdge.Compiler.Program;

namespace TruncEdge.Emitter.Tests;

/// <summary>
/// The compiler plans te_conv2d's scratch with <see cref="KernelScratch"/>, a mirror of the C
/// runtime's <c>te_conv2d_scratch_bytes</c> and <c>te_conv2d_min_scratch_bytes</c>: the two must
/// agree on every shape, or the planner would give a kernel less than it can use (slower), more
/// (wasted RAM), or less than te_conv2d_block accepts (the emitted call would fail).
/// </summary>
public class KernelScratchTests
{
    [Fact]
    public void CompilerMirrorEqualsTheRuntimeOnRandomShapes()
    {
        var rng = new Random(20261202);
        var shapes = new List<(int Kh, int Kw, int Cin, int Cout, int Groups)>();
        for (var i = 0; i < 400; i++)
        {
            var cin = rng.Next(1, 5) == 1 ? rng.Next(1, 1200) : rng.Next(1, 80);
            var groups = rng.Next(4) == 0 ? Math.Max(1, cin / rng.Next(1, 4)) : 1;
            shapes.Add((rng.Next(1, 11), rng.Next(1, 11), cin, rng.Next(1, 300), groups));
        }

        var c = new StringBuilder("#include <stdio.h>\n#include \"truncedge.h\"\n");
        c.Append("static const int shapes[][5] = {\n");
        foreach (var s in shapes)
        {
            c.Append(CultureInfo.InvariantCulture, $"    {{ {s.Kh}, {s.Kw}, {s.Cin}, {s.Cout}, {s.Groups} }},\n");
        }

        c.Append("""
            };
            int main(void)
            {
                unsigned i;
                for (i = 0; i < sizeof shapes / sizeof shapes[0]; ++i) {
                    te_conv_params p = { { 8, 8, 0 }, { 8, 8, 0 }, 0, 0, 1, 1, 0, 0, 0, 8 };
                    p.kernel_h = shapes[i][0];
                    p.kernel_w = shapes[i][1];
                    p.in.channels = shapes[i][2];
                    p.out.channels = shapes[i][3];
                    p.groups = shapes[i][4];
                    printf("%lu %lu\n", (unsigned long)te_conv2d_scratch_bytes(&p),
                           (unsigned long)te_conv2d_min_scratch_bytes(&p));
                }
                return 0;
            }

            """);

        using var tmp = new TempDir();
        File.WriteAllText(tmp.Sub("scratch.c"), c.ToString());
        var runtime = Path.GetFullPath(Path.Combine(TestFiles.ProjectDir, "..", "..", "runtime-c"));
        Tool.RunOk("gcc", [.. CCompileTests.StrictFlags, "-O1", "-I" + Path.Combine(runtime, "include"), "-I" + Path.Combine(runtime, "src"),
            "scratch.c", .. Directory.GetFiles(Path.Combine(runtime, "src"), "*.c").Order(StringComparer.Ordinal), "-o", "scratch"], tmp.Root);
        var lines = Tool.RunOk(tmp.Sub("scratch"), [], tmp.Root).Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(shapes.Count, lines.Length);
        for (var i = 0; i < shapes.Count; i++)
        {
            var s = shapes[i];
            var expected = $"{KernelScratch.ConvBytes(s.Kh, s.Kw, s.Cin, s.Cout, s.Groups)} {KernelScratch.ConvMinBytes(s.Kh, s.Kw, s.Cin, s.Cout, s.Groups)}";
            Assert.True(lines[i] == expected, $"shape {s}: C says {lines[i]} bytes (most, least), KernelScratch says {expected}");
        }
    }
}
