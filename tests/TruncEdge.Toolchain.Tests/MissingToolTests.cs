using TruncEdge.Model.Diagnostics;
using TruncEdge.Toolchain;

namespace TruncEdge.Toolchain.Tests;

[Collection(ToolchainCollection.Name)]
public sealed class MissingToolTests(ToolchainFixture fx)
{
    [Fact]
    public void A_missing_cross_compiler_names_its_apt_package()
    {
        var dir = TargetCatalogTests.CopyTargets();
        try
        {
            foreach (var path in Directory.GetFiles(dir, "*.json", SearchOption.AllDirectories))
            {
                File.WriteAllText(path, File.ReadAllText(path).Replace("\"arm-none-eabi-gcc\"", "\"te-missing-arm-none-eabi-gcc\"", StringComparison.Ordinal));
            }
            var catalog = TargetCatalog.Load(dir);
            var e = Assert.Throws<DiagnosticException>(() => new GccBuilder(catalog).Build(fx.ModelDirectory, catalog.Get("cortex-m4")));
            Assert.Equal(ToolchainDiagnosticCodes.ToolMissing, e.Diagnostic.Code);
            Assert.Contains("'te-missing-arm-none-eabi-gcc' not found", e.Message);
            Assert.Contains("apt-get install -y --no-install-recommends gcc-arm-none-eabi", e.Message);
            Assert.DoesNotContain('\n', e.Message);

            var report = new Doctor(catalog).Check();
            var tool = report.Tools.Single(t => t.Tool.Command == "te-missing-arm-none-eabi-gcc" && t.Tool.Specs is null);
            Assert.False(tool.Found);
            Assert.False(report.Targets.Single(t => t.Target.Name == "cortex-m4").Ready);
            Assert.True(report.Targets.Single(t => t.Target.Name == "host").Ready);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [QemuFact]
    public void Doctor_finds_every_tool_installed_here()
    {
        var report = new Doctor(fx.Catalog).Check();
        Assert.All(report.Tools, t => Assert.True(t.Found, $"{t.Tool.Name} missing: {t.InstallCommand}"));
        Assert.All(report.Tools, t => Assert.False(string.IsNullOrEmpty(t.Version), t.Tool.Name));
        Assert.Contains(report.Tools, t => t.Tool.Name == "qemu-system-arm" && t.Version!.Contains("QEMU", StringComparison.Ordinal));
        Assert.All(report.Targets, t => Assert.True(t.Ready, t.Target.Name));
    }

    [Fact]
    public void The_setup_script_installs_every_package_of_tools_json()
    {
        var script = File.ReadAllText(Path.Combine(RepoRoot(), "scripts", "setup-toolchains.sh"));
        foreach (var tool in fx.Catalog.Tools) Assert.Contains(tool.Package, script);
        Assert.Contains("--no-install-recommends", script);
        Assert.Contains("te_icount", script);
    }

    /// <summary>The checkout these tests were compiled from (the build output may live elsewhere).</summary>
    internal static string RepoRoot([System.Runtime.CompilerServices.CallerFilePath] string thisFile = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(thisFile)!, "..", ".."));
}
