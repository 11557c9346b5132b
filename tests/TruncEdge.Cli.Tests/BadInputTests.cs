namespace TruncEdge.Cli.Tests;

/// <summary>
/// A user mistake gets one line on stderr naming what was wrong, exit code 2, no stack trace and
/// no partial output.
/// </summary>
public class BadInputTests
{
    private static void AssertOneLineError(TruncEdge.Toolchain.ProcessResult r, params string[] mentions)
    {
        Assert.Equal(2, r.ExitCode);
        var lines = r.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.DoesNotContain("   at ", r.StandardError, StringComparison.Ordinal);
        foreach (var m in mentions) Assert.Contains(m, lines[0], StringComparison.Ordinal);
    }

    [Fact]
    public void GarbageFileIsRefusedAndNothingIsWritten()
    {
        var dir = CliRunner.TempDir();
        var model = Path.Combine(dir, "garbage.onnx");
        File.WriteAllBytes(model, Enumerable.Range(0, 1000).Select(i => (byte)(i * 7919 % 251)).ToArray());
        var outDir = Path.Combine(dir, "out");
        var r = CliRunner.Run("compile", model, "-o", outDir);
        AssertOneLineError(r, "garbage.onnx");
        Assert.False(Directory.Exists(outDir));
    }

    [Fact]
    public void TruncatedFileIsRefused()
    {
        var dir = CliRunner.TempDir();
        var model = Models.SmallCnn(dir);
        var bytes = File.ReadAllBytes(model);
        File.WriteAllBytes(model, bytes[..(bytes.Length / 2)]);
        AssertOneLineError(CliRunner.Run("inspect", model), "small.onnx");
    }

    [Fact]
    public void UnsupportedOpIsNamedWithItsNodeAndTheSupportedList()
    {
        var dir = CliRunner.TempDir();
        var model = Models.WithSoftmax(dir);
        var outDir = Path.Combine(dir, "out");
        var r = CliRunner.Run("compile", model, "-o", outDir);
        AssertOneLineError(r, "softmax.onnx", "Softmax", "final_softmax", "Conv");
        Assert.False(Directory.Exists(outDir));
    }

    [Fact]
    public void MissingFileIsRefused() =>
        AssertOneLineError(CliRunner.Run("inspect", "/nonexistent/model.onnx"), "/nonexistent/model.onnx");

    [Theory]
    [InlineData("0")]
    [InlineData("9")]
    [InlineData("1-9")]
    [InlineData("x")]
    public void BitWidthOutOfRangeIsRefused(string bits)
    {
        var dir = CliRunner.TempDir();
        AssertOneLineError(CliRunner.Run("run", Models.SmallCnn(dir), "--random", "1", "--bits", bits), "--bits");
    }

    [Theory]
    [InlineData("0", "--deploy-bits", "1..8")]
    [InlineData("9", "--deploy-bits", "1..8")]
    [InlineData("1-9", "--deploy-bits", "1..8")]
    [InlineData("", "--deploy-bits", "no bit width")]
    [InlineData("x", "--deploy-bits", "1-8")]
    public void BadDeployBitsAreRefusedAndNothingIsWritten(string deploy, string mention, string expected)
    {
        var dir = CliRunner.TempDir();
        var outDir = Path.Combine(dir, "out");
        AssertOneLineError(CliRunner.Run("compile", Models.SmallCnn(dir), "-o", outDir, "--deploy-bits", deploy), mention, expected);
        Assert.False(Directory.Exists(outDir));
    }

    [Theory]
    [InlineData("0", "--store-bits 0", "1..8")]
    [InlineData("9", "--store-bits 9", "1..8")]
    [InlineData("x", "--store-bits", "x")]
    public void BadStoreBitsAreRefusedAndNothingIsWritten(string store, string mention, string expected)
    {
        var dir = CliRunner.TempDir();
        var outDir = Path.Combine(dir, "out");
        AssertOneLineError(CliRunner.Run("compile", Models.SmallCnn(dir), "-o", outDir, "--store-bits", store), mention, expected);
        Assert.False(Directory.Exists(outDir));
    }

    [Fact]
    public void DeployingAboveTheStoredBitsIsRefusedAndNothingIsWritten()
    {
        var dir = CliRunner.TempDir();
        var outDir = Path.Combine(dir, "out");
        AssertOneLineError(CliRunner.Run("compile", Models.SmallCnn(dir), "-o", outDir, "--store-bits", "4", "--deploy-bits", "8,4"),
            "weight bits 8", "stored at 4 bits", "--store-bits");
        Assert.False(Directory.Exists(outDir));
    }

    [Theory]
    [InlineData("verify")]
    [InlineData("bench")]
    [InlineData("run")]
    public void BitsOutsideTheDeployedSetAreRefusedAndNothingIsWritten(string verb)
    {
        var dir = CliRunner.TempDir();
        var keep = Path.Combine(dir, "keep");
        string[] extra = verb switch { "verify" => ["--keep", keep], "run" => ["--random", "1"], _ => [] };
        var r = CliRunner.Run([verb, Models.SmallCnn(dir), "--deploy-bits", "8,4,2", "--bits", "3,8", .. extra]);
        AssertOneLineError(r, "--bits", "3", "2,4,8", "--deploy-bits");
        Assert.False(Directory.Exists(keep));
    }

    [Fact]
    public void UnknownTargetIsRefused()
    {
        var dir = CliRunner.TempDir();
        AssertOneLineError(CliRunner.Run("compile", Models.SmallCnn(dir), "--target", "cortex-m99", "-o", Path.Combine(dir, "o")), "cortex-m99");
    }

    [Fact]
    public void ModelTooLargeForTheBoardIsRefusedWithTheNumbersAndNothingIsWritten()
    {
        var dir = CliRunner.TempDir();
        // 64 channels on 64x64: an arena of several hundred KB, beyond the micro:bit's 16 KB of RAM.
        var model = Models.SmallCnn(dir, channels: 64, size: 64, name: "big.onnx");
        var outDir = Path.Combine(dir, "out");
        var r = CliRunner.Run("compile", model, "--target", "cortex-m0", "-o", outDir);
        AssertOneLineError(r, "RAM");
        Assert.False(Directory.Exists(outDir));
    }

    [Theory]
    [InlineData("--act-bits", "9")]
    [InlineData("--weight-bits", "1,9")]
    [InlineData("--model", "vgg")]
    [InlineData("--data", "imagenet")]
    [InlineData("--train-limit", "1")]
    [InlineData("--batch-size", "1")]
    public void BadTrainOptionIsOneLineExitTwoNamingTheOptionAndNothingIsWritten(string option, string value)
    {
        var dir = CliRunner.TempDir();
        var output = Path.Combine(dir, "model.onnx");
        var r = CliRunner.Run("train", option, value, "--epochs", "1", "-o", output);
        AssertOneLineError(r, "TE6000", option == "--batch-size" ? "batch size" : option);
        Assert.DoesNotContain("internal error", r.StandardError, StringComparison.Ordinal);
        Assert.False(File.Exists(output));
    }

    /// <summary>The user's own paths are checked up front and named; a missing file deeper down would be a bug, not theirs.</summary>
    [Theory]
    [InlineData("--resume", "missing.ckpt", "TE6004")]
    [InlineData("--checkpoint", "no-such-folder/run.ckpt", "TE6001")]
    public void TrainNamesAMissingCheckpointPathBeforeTraining(string option, string relative, string code)
    {
        var dir = CliRunner.TempDir();
        var path = Path.Combine(dir, relative);
        var output = Path.Combine(dir, "model.onnx");
        var r = CliRunner.Run("train", option, path, "--epochs", "1", "-o", output);
        AssertOneLineError(r, code, path);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public void TrainResumeFromAFileThatIsNotACheckpointIsOneLine()
    {
        var dir = CliRunner.TempDir();
        var garbage = Path.Combine(dir, "garbage.ckpt");
        File.WriteAllText(garbage, "not a checkpoint");
        AssertOneLineError(CliRunner.Run("train", "--resume", garbage, "--epochs", "1", "-o", Path.Combine(dir, "model.onnx")), "TE6000", garbage);
    }

    [Fact]
    public void EvalOnADataSetThatDoesNotFitTheModelNamesBothShapes()
    {
        // A 6x6 model against the 8x8 digits: the user's choice of data, exit 2 with TE6010.
        var model = Models.SmallCnn(CliRunner.TempDir());
        AssertOneLineError(CliRunner.Run("eval", model, "--data", "digits", "--limit", "10"), "TE6010", "small.onnx", "[1, 6, 6]", "[1, 8, 8]");
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-3")]
    public void EvalLimitBelowOneIsRefused(string limit) =>
        AssertOneLineError(CliRunner.Run("eval", Models.SmallCnn(CliRunner.TempDir()), "--limit", limit), "TE6011", "--limit " + limit);

    [Fact]
    public void UnknownOptionIsAUsageError()
    {
        var r = CliRunner.Run("inspect", "--frobnicate");
        Assert.Equal(2, r.ExitCode);
        Assert.DoesNotContain("   at ", r.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public void TwoUnsupportedOpsAreTwoLinesOfOneRun()
    {
        var dir = CliRunner.TempDir();
        var model = Models.SmallCnn(dir, name: "two.onnx");
        var g = TruncEdge.Model.Onnx.OnnxReader.Read(model);
        var output = g.Outputs[0];
        g.Nodes.Add(new TruncEdge.Model.Graph.Node("my_sigmoid", "Sigmoid", [output.Name], ["s"]));
        g.Nodes.Add(new TruncEdge.Model.Graph.Node("my_softmax", "Softmax", ["s"], ["p"]));
        g.Outputs[0] = output with { Name = "p" };
        TruncEdge.Model.Onnx.OnnxWriter.Write(g, model);
        var r = CliRunner.Run("inspect", model);
        Assert.Equal(2, r.ExitCode);
        Assert.Empty(r.StandardOutput);
        Assert.DoesNotContain("   at ", r.StandardError, StringComparison.Ordinal);
        var lines = r.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.StartsWith("truncedge: error TE2001: ", lines[0], StringComparison.Ordinal);
        Assert.Contains("node 'my_sigmoid'", lines[0], StringComparison.Ordinal);
        Assert.StartsWith("truncedge: error TE2001: ", lines[1], StringComparison.Ordinal);
        Assert.Contains("node 'my_softmax'", lines[1], StringComparison.Ordinal);
    }

    [Fact]
    public void AnUnknownPassAfterIsOneLineListingThePasses()
    {
        var model = Models.SmallCnn(CliRunner.TempDir());
        AssertOneLineError(CliRunner.Run("inspect", model, "--dump-ir", "--after", "Optimize"), "TE2090", "'Optimize'", "LowerGraph", "PlanArena");
    }
}
