using System.Text;
using TruncEdge.Model.Diagnostics;

namespace TruncEdge.Toolchain.Tests;

/// <summary>
/// RuntimeObjectCache: one object per distinct source, header and flag set, reused otherwise;
/// a changed kernel or header is a new object (never a stale one); a broken kernel is a one-line
/// TE5101 naming the file and nothing is left in the cache.
/// </summary>
public sealed class RuntimeObjectCacheTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("te-objcache-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string Folder(string name, string kernel, string header)
    {
        var dir = Path.Combine(_root, name);
        Directory.CreateDirectory(Path.Combine(dir, "truncedge", "include"));
        Directory.CreateDirectory(Path.Combine(dir, "truncedge", "src"));
        File.WriteAllText(Path.Combine(dir, "truncedge", "include", "k.h"), header);
        File.WriteAllText(Path.Combine(dir, "truncedge", "src", "te_k.c"), kernel);
        return dir;
    }

    private static string Compile(RuntimeObjectCache cache, string folder, params string[] flags) =>
        cache.Compile("cc", ["-std=c99", "-O1", .. flags], folder, Path.Combine(folder, "truncedge", "src", "te_k.c"), TimeSpan.FromMinutes(1), new StringBuilder());

    [Fact]
    public void ObjectsAreSharedAcrossFoldersAndRenewedWhenAnInputChanges()
    {
        var cache = new RuntimeObjectCache(Path.Combine(_root, "objects"));
        const string kernel = "#include \"k.h\"\nint te_k(int x) { return x * K; }\n";
        var a = Compile(cache, Folder("a", kernel, "#define K 3\n"));
        var b = Compile(cache, Folder("b", kernel, "#define K 3\n"));
        Assert.Equal(a, b); // same source, header and flags in another folder: the same object
        Assert.True(File.Exists(a));

        Assert.NotEqual(a, Compile(cache, Folder("c", kernel, "#define K 4\n")));                 // header
        Assert.NotEqual(a, Compile(cache, Folder("d", kernel + "int te_k2(void) { return 1; }\n", "#define K 3\n"))); // source
        Assert.NotEqual(a, Compile(cache, Folder("e", kernel, "#define K 3\n"), "-DX=1"));          // flags
        Assert.Empty(Directory.GetFiles(Path.Combine(_root, "objects"), "*.tmp"));
    }

    [Fact]
    public void ABrokenKernelIsAOneLineErrorAndLeavesNoObject()
    {
        var cache = new RuntimeObjectCache(Path.Combine(_root, "objects"));
        var e = Assert.Throws<DiagnosticException>(() => Compile(cache, Folder("bad", "int te_k(void) { return }\n", "")));
        Assert.Equal(ToolchainDiagnosticCodes.BuildFailed, e.Diagnostic.Code);
        Assert.Contains("te_k.c", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
        Assert.Empty(Directory.Exists(Path.Combine(_root, "objects")) ? Directory.GetFiles(Path.Combine(_root, "objects")) : []);
    }
}
