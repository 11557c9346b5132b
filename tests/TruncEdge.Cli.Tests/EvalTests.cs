using System.Text.Json;

namespace TruncEdge.Cli.Tests;

/// <summary>`eval` on the trained example: the deployed integer Program keeps the fake-quant accuracy.</summary>
public class EvalTests
{
    /// <summary>The committed example, copied next to the tests by the project file.</summary>
    private static string Example() => Path.Combine(AppContext.BaseDirectory, "examples", "digits-cnn", "model.onnx");

    [Fact]
    public void IntegerProgramAccuracyIsWithinAThirdOfAPointOfFakeQuantAtEveryBitWidth()
    {
        var r = CliRunner.Run("eval", Example(), "--data", "digits", "--json");
        Assert.True(r.ExitCode == 0, r.StandardError);
        using var doc = JsonDocument.Parse(r.StandardOutput);
        var fake = doc.RootElement.GetProperty("fakeQuant").EnumerateArray()
            .Where(x => x.GetProperty("deployment").GetString() == "Truncate")
            .ToDictionary(x => x.GetProperty("bits").GetInt32(), x => x.GetProperty("accuracy").GetDouble());
        foreach (var row in doc.RootElement.GetProperty("integerTrunc").EnumerateArray())
        {
            var k = row.GetProperty("bits").GetInt32();
            var integer = row.GetProperty("accuracy").GetDouble();
            Assert.True(Math.Abs(integer - fake[k]) <= 0.003, $"k={k}: integer {integer:P2}, fake-quant {fake[k]:P2}");
            Assert.True(integer > 0.9, $"k={k}: the trained example should classify digits, got {integer:P2}");
        }
    }
}
