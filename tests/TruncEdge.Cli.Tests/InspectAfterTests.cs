namespace TruncEdge.Cli.Tests;

/// <summary>`inspect --dump-ir --after PASS`: the IR each pass leaves behind.</summary>
public class InspectAfterTests
{
    [Fact]
    public void AfterTheLastPassIsTheDumpOfTheCompiledProgram()
    {
        var model = Models.SmallCnn(CliRunner.TempDir());
        var full = CliRunner.Run("inspect", model, "--dump-ir", "--tables");
        var after = CliRunner.Run("inspect", model, "--dump-ir", "--tables", "--after", "VerifyProgram");
        Assert.Equal(0, after.ExitCode);
        Assert.Equal(full.StandardOutput, after.StandardOutput);
    }

    [Theory]
    [InlineData("InferShapes", "graph small: ", "[1,4,6,6]")]
    [InlineData("ResolveWeights", "graph small: ", "36 codes")]
    [InlineData("LowerGraph", "draft small: ", "scale=NaN")]
    [InlineData("LayOutWeights", "draft small: ", "i32[1x1x3]")]
    [InlineData("LowerGraph", "draft small: ", "then BatchNorm")]
    [InlineData("CheckAccumulatorBounds", "draft small: ", "pinned at 8 bits")]
    [InlineData("LowerRequantization", "program small: ", "arena 0 B")]
    public void EachPassPrintsTheIrItLeft(string pass, string header, string mention)
    {
        var model = Models.SmallCnn(CliRunner.TempDir());
        var r = CliRunner.Run("inspect", model, "--dump-ir", "--after", pass);
        Assert.Equal(0, r.ExitCode);
        Assert.StartsWith(header, r.StandardOutput, StringComparison.Ordinal);
        Assert.Contains(mention, r.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public void LayOutWeightsPutsTheCodesInProgramOrderAndChooseInt32ScalesSetsTheScale()
    {
        var model = Models.SmallCnn(CliRunner.TempDir());
        var lowered = CliRunner.Run("inspect", model, "--dump-ir", "--after", "LowerGraph").StandardOutput;
        var laidOut = CliRunner.Run("inspect", model, "--dump-ir", "--after", "LayOutWeights").StandardOutput;
        var scaled = CliRunner.Run("inspect", model, "--dump-ir", "--after", "ChooseInt32Scales").StandardOutput;
        Assert.Contains("codes in ONNX order", lowered, StringComparison.Ordinal);
        Assert.DoesNotContain("codes in ONNX order", laidOut, StringComparison.Ordinal);
        Assert.Contains("scale=NaN", laidOut, StringComparison.Ordinal);
        Assert.DoesNotContain("scale=NaN", scaled, StringComparison.Ordinal);
    }
}
