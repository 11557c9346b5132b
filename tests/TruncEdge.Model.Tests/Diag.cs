using TruncEdge.Model.Diagnostics;

namespace TruncEdge.Model.Tests;

/// <summary>Asserts that an action fails with a <see cref="DiagnosticException"/> of a given code.</summary>
internal static class Diag
{
    public static Diagnostic Throws(string code, Action action, string? file = null, string? node = null)
    {
        var e = Assert.Throws<DiagnosticException>(action);
        Assert.True(e.Diagnostic.Code == code, $"expected {code}, got: {e.Diagnostic}");
        if (file is not null)
        {
            Assert.Equal(file, e.Diagnostic.File);
            Assert.Contains(file, e.Message);
        }
        if (node is not null)
        {
            Assert.Equal(node, e.Diagnostic.Node);
            Assert.Contains(node, e.Message);
        }
        return e.Diagnostic;
    }
}
