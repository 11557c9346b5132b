using TruncEdge.Model.Diagnostics;

namespace TruncEdge.Emitter.Tests;

public class EmitOptionsTests
{
    [Theory]
    [InlineData("model")]
    [InlineData("kws_v2")]
    [InlineData("_m")]
    [InlineData("Net")]
    [InlineData("t")]
    [InlineData("tensor")]
    public void ValidPrefixesAreAccepted(string prefix)
    {
        Assert.Null(EmitOptions.PrefixProblem(prefix));
        new EmitOptions { Prefix = prefix }.Validate();
    }

    [Theory]
    [InlineData("")]
    [InlineData("1model")]
    [InlineData("my-model")]
    [InlineData("my model")]
    [InlineData("modèle")]
    [InlineData("int")]
    [InlineData("static")]
    [InlineData("__model")]
    [InlineData("_Model")]
    [InlineData("te")]
    [InlineData("te_model")]
    [InlineData("TE_net")]
    [InlineData("truncedge")]
    [InlineData("a234567890123456789012345678901234567890123456789")]
    public void InvalidPrefixIsADiagnostic(string prefix)
    {
        var e = Assert.Throws<DiagnosticException>(() => new EmitOptions { Prefix = prefix }.Validate());
        Assert.Equal(EmitterDiagnosticCodes.InvalidPrefix, e.Diagnostic.Code);
        Assert.Contains("prefix", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EmitRefusesAnInvalidPrefixBeforeDoingAnything()
    {
        var e = Assert.Throws<DiagnosticException>(() => Emit.Folder(TestPrograms.Tiny(), Emit.Options with { Prefix = "no-good" }));
        Assert.Equal(EmitterDiagnosticCodes.InvalidPrefix, e.Diagnostic.Code);
        Assert.Contains("'no-good'", e.Message, StringComparison.Ordinal);
    }
}
