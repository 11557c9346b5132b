using TruncEdge.Model.Diagnostics;

namespace TruncEdge.Emitter.Tests;

public class OutputFolderWriterTests
{
    [Fact]
    public void WritesEveryFileByteForByte()
    {
        using var tmp = new TempDir();
        var folder = Emit.Folder(TestPrograms.Tiny());
        var dir = tmp.Sub("nested/out");
        OutputFolderWriter.Write(folder, dir);
        foreach (var file in folder.Files)
        {
            Assert.Equal(file.ToBytes(), File.ReadAllBytes(Path.Combine(dir, file.Path)));
        }

        var onDisk = Directory.GetFiles(dir, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(dir, f).Replace('\\', '/')).Order(StringComparer.Ordinal);
        Assert.Equal(folder.Files.Select(f => f.Path).Append(OutputFolderWriter.MarkerFile).Order(StringComparer.Ordinal), onDisk);
        Assert.Single(Directory.GetFileSystemEntries(tmp.Sub("nested")));
    }

    [Fact]
    public void ReplacesAPreviousOutputWhole()
    {
        using var tmp = new TempDir();
        var dir = tmp.Sub("out");
        OutputFolderWriter.Write(Emit.Folder(TestPrograms.Vision(), Emit.Options with { Prefix = "old" }), dir);
        File.WriteAllText(Path.Combine(dir, "stale.txt"), "left over");
        OutputFolderWriter.Write(Emit.Folder(TestPrograms.Tiny()), dir);
        Assert.False(File.Exists(Path.Combine(dir, "old.c")));
        Assert.False(File.Exists(Path.Combine(dir, "stale.txt")));
        Assert.True(File.Exists(Path.Combine(dir, "model.c")));
        Assert.Equal(["out"], Directory.GetFileSystemEntries(tmp.Root).Select(Path.GetFileName));
    }

    [Fact]
    public void WritesIntoAnEmptyExistingFolder()
    {
        using var tmp = new TempDir();
        var dir = tmp.Sub("out");
        Directory.CreateDirectory(dir);
        OutputFolderWriter.Write(Emit.Folder(TestPrograms.Tiny()), dir);
        Assert.True(File.Exists(Path.Combine(dir, "model.h")));
    }

    [Fact]
    public void RefusesToReplaceAFolderItDidNotWrite()
    {
        using var tmp = new TempDir();
        var dir = tmp.Sub("src");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "main.c"), "int main(void) { return 0; }\n");
        var e = Assert.Throws<DiagnosticException>(() => OutputFolderWriter.Write(Emit.Folder(TestPrograms.Tiny()), dir));
        Assert.Equal(EmitterDiagnosticCodes.OutputNotReplaceable, e.Diagnostic.Code);
        Assert.Equal(["main.c"], Directory.GetFileSystemEntries(dir).Select(Path.GetFileName));
    }

    [Fact]
    public void RefusesAFile()
    {
        using var tmp = new TempDir();
        var file = tmp.Sub("out");
        File.WriteAllText(file, "x");
        var e = Assert.Throws<DiagnosticException>(() => OutputFolderWriter.Write(Emit.Folder(TestPrograms.Tiny()), file));
        Assert.Equal(EmitterDiagnosticCodes.OutputNotReplaceable, e.Diagnostic.Code);
        Assert.Equal("x", File.ReadAllText(file));
    }

    [Fact]
    public void AFailureHalfWayLeavesTheOldOutputAndNoTemporaryFolder()
    {
        using var tmp = new TempDir();
        var dir = tmp.Sub("out");
        OutputFolderWriter.Write(Emit.Folder(TestPrograms.Tiny()), dir);
        var before = File.ReadAllText(Path.Combine(dir, "model.c"));

        var good = Emit.Folder(TestPrograms.Vision());
        var broken = new EmittedFolder("model", [.. good.Files.Take(3), new EmittedFile("../escape.c", "int x;\n"), .. good.Files.Skip(3)]);
        Assert.Throws<InvalidOperationException>(() => OutputFolderWriter.Write(broken, dir));

        Assert.Equal(before, File.ReadAllText(Path.Combine(dir, "model.c")));
        Assert.Equal(["out"], Directory.GetFileSystemEntries(tmp.Root).Select(Path.GetFileName));
    }
}
