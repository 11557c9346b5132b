using Scriban.Syntax;

namespace TruncEdge.Emitter.Tests;

/// <summary>What <see cref="TemplateRenderer"/> guarantees beyond the golden bytes: a model that
/// lacks a binding fails loudly, and none of Scriban's default limits cuts a big model short.</summary>
public class TemplateRendererTests
{
    private readonly TemplateRenderer _renderer = new();

    [Fact]
    public void AVariableTheModelLacksIsAnError()
    {
        var e = Assert.Throws<ScriptRuntimeException>(() => _renderer.Render("Makefile", new { Provenance = new[] { "p" } }));
        Assert.Contains("`library`", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AMemberTheModelLacksIsAnError()
    {
        var model = new { Provenance = new[] { "p" }, HeaderFile = "m.h", ModelName = "m", Header = new { OpCountText = "1" } };
        var e = Assert.Throws<ScriptRuntimeException>(() => _renderer.Render("model.h", model));
        Assert.Contains("layerCountText", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnUnknownTemplateIsAnError() =>
        Assert.Throws<InvalidOperationException>(() => _renderer.Render("model.cpp", new { }));

    [Fact]
    public void LongListsAndLongLinesPrintWhole()
    {
        // Scriban stops a loop after 1000 items and truncates a string past 1 MiB unless told not to
        var sources = Enumerable.Range(0, 5000).Select(i => $"truncedge/src/k{i}.c").ToList();
        var line = new string('x', 2 << 20);
        var text = _renderer.Render("CMakeLists.txt", new
        {
            Provenance = new[] { line },
            Prefix = "m",
            Upper = "M",
            SourceFile = "m.c",
            HeaderFile = "m.h",
            KernelSources = sources,
            HarnessSources = Array.Empty<string>(),
            Cross = (object?)null, // a host folder
        });

        Assert.Contains("# " + line + "\n", text, StringComparison.Ordinal);
        Assert.Equal(sources.Count, text.Split('\n').Count(l => l.StartsWith("    truncedge/src/k", StringComparison.Ordinal)));
        Assert.Contains("    truncedge/src/k4999.c\n)\n", text, StringComparison.Ordinal);
    }
}
