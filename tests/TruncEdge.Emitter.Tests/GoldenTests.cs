namespace TruncEdge.Emitter.Tests;

/// <summary>
/// Golden copies of the generated files of <see cref="TestPrograms.Tiny"/> (STYLE rule 14), so a
/// refactor of the emitter shows that its output did not change, or exactly how it changed.
/// The vendored runtime files are not part of the golden copy (they belong to runtime-c/);
/// files.txt lists every path of the folder.
///
/// To accept a deliberate change, regenerate and review the diff:
///   TRUNCEDGE_UPDATE_GOLDEN=1 dotnet test tests/TruncEdge.Emitter.Tests --filter GoldenTests
/// </summary>
public class GoldenTests
{
    private static readonly string[] Generated = ["README.md", "CMakeLists.txt", "Makefile", "model.h", "model.c"];

    [Fact]
    public void TinyModelMatchesItsGoldenCopy()
    {
        var folder = Emit.Folder(TestPrograms.Tiny(), Emit.Options with { ToolVersion = "0.0.0-golden" });
        var dir = TestFiles.Path("Golden", "tiny");
        var actual = Generated.ToDictionary(p => p, p => folder[p].Content, StringComparer.Ordinal);
        actual["files.txt"] = string.Join("\n", folder.Files.Select(f => f.Path).Where(p => !p.StartsWith("test/", StringComparison.Ordinal))) + "\n";

        if (Environment.GetEnvironmentVariable("TRUNCEDGE_UPDATE_GOLDEN") == "1")
        {
            Directory.CreateDirectory(dir);
            foreach (var (path, content) in actual)
            {
                File.WriteAllBytes(Path.Combine(dir, path), EmittedFile.Utf8NoBom.GetBytes(content));
            }

            return;
        }

        foreach (var (path, content) in actual)
        {
            var golden = Path.Combine(dir, path);
            Assert.True(File.Exists(golden), $"missing golden file {golden}; run with TRUNCEDGE_UPDATE_GOLDEN=1 to create it");
            var expected = File.ReadAllText(golden).Replace("\r\n", "\n", StringComparison.Ordinal);
            if (expected != content)
            {
                var el = expected.Split('\n');
                var al = content.Split('\n');
                var i = Enumerable.Range(0, Math.Max(el.Length, al.Length)).First(j => el.ElementAtOrDefault(j) != al.ElementAtOrDefault(j));
                Assert.Fail($"{path} differs from Golden/tiny/{path} at line {i + 1}:\n  golden:  {el.ElementAtOrDefault(i)}\n  emitted: {al.ElementAtOrDefault(i)}\n" +
                            "If the change is intended: TRUNCEDGE_UPDATE_GOLDEN=1 dotnet test tests/TruncEdge.Emitter.Tests --filter GoldenTests, then review the diff.");
            }
        }
    }
}
