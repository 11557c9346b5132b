using TruncEdge.Model.TruncQuant;
using TruncEdge.Trainer.Data;
using TruncEdge.Trainer.Quantization;
using TruncEdge.Trainer.Training;

namespace TruncEdge.Trainer.Tests;

/// <summary>End-to-end training on the 8x8 digits of the data cache. Without them a test fails
/// with the file and the command that fetches them (scripts/fetch-data.sh digits, which
/// scripts/test.sh runs); it never trains on stand-in data instead.</summary>
public class TrainingTests
{
    /// <summary>The real 8x8 digits; throws DataSetException naming the missing file and
    /// "scripts/fetch-data.sh digits" when the cache lacks them.</summary>
    internal static DataSplit Digits() => DataSets.Load("digits");

    private static TrainOptions Options(string model, int epochs) => new()
    {
        Model = model,
        Data = "digits",
        Epochs = epochs,
        BatchSize = 64,
        Threads = 2,
        Seed = 7,
        CalibrationEpochs = 0.5,
    };

    [Fact]
    public void MlpOnDigitsReachesNinetyPercentAtEveryTrainedBitWidth()
    {
        var result = TrainingSession.Create(Options("mlp", 8), Digits()).Run();
        foreach (int k in new[] { 1, 2, 4, 8 })
        {
            double acc = result.Test.Accuracy(Precision.Of(k), WeightDeployment.Truncate)!.Value;
            Assert.True(acc >= 0.90, $"{k}-bit accuracy {acc:P1}");
        }
        Assert.Equal([1, 2, 4, 8], result.TrainedBits);
        Assert.Equal([3, 5, 6, 7], result.CalibratedBits);
        // Calibrated widths start from the nearest trained member's BatchNorm and end close to it.
        foreach (int k in result.CalibratedBits)
        {
            double acc = result.Test.Accuracy(Precision.Of(k), WeightDeployment.Truncate)!.Value;
            Assert.True(acc >= 0.85, $"calibrated {k}-bit accuracy {acc:P1}");
        }
        Assert.NotNull(result.Test.Find(Precision.Of(3), WeightDeployment.Truncate));
        // The run trained all its epochs (how long it took is a benchmark's business, not a test's).
        Assert.Equal(8, result.EpochsCompleted);
    }

    [Fact]
    public void SameSeedGivesTheSameRunWhateverTheThreadCount()
    {
        var data = Digits();
        var o = Options("cnn", 2) with { TrainLimit = 512, TestLimit = 100, CalibrationEpochs = 0.25 };
        var a = TrainingSession.Create(o with { Threads = 1 }, data).Run();
        var b = TrainingSession.Create(o with { Threads = 2 }, data).Run();
        var c = TrainingSession.Create(o with { Threads = 2 }, data).Run();
        foreach (var (x, y) in new[] { (a, b), (b, c) })
        {
            Assert.Equal(x.Test.Rows.Select(r => r.Loss), y.Test.Rows.Select(r => r.Loss));
            for (int i = 0; i < x.Network.Parameters.Count; i++)
            {
                Assert.Equal(x.Network.Parameters[i].Value, y.Network.Parameters[i].Value);
            }
        }
    }

    [Fact]
    public void ResumingFromACheckpointGivesTheUninterruptedResult()
    {
        var data = Digits();
        string dir = Path.Combine(Path.GetTempPath(), "truncedge-ckpt-" + Guid.NewGuid().ToString("N"));
        try
        {
            var o = Options("cnn", 3) with { TrainLimit = 384, TestLimit = 64, CalibrationEpochs = 0.25, Optimizer = OptimizerKind.Sgd, LearningRate = 0.05 };
            var straight = TrainingSession.Create(o, data).Run();

            string ck = Path.Combine(dir, "run.ckpt");
            using var cts = new CancellationTokenSource();
            var stopAfterEpoch2 = new CallbackProgress(p =>
            {
                if (p.Phase == TrainPhase.EpochCompleted && p.Epoch == 2)
                {
                    cts.Cancel();
                }
            });
            Assert.ThrowsAny<OperationCanceledException>(() =>
                TrainingSession.Create(o with { CheckpointPath = ck }, data).Run(stopAfterEpoch2, cts.Token));
            var resumed = TrainingSession.Resume(ck, data: data);
            Assert.Equal(2, resumed.EpochsCompleted);
            var result = resumed.Run();
            Assert.Equal(3, result.EpochsCompleted);
            for (int i = 0; i < straight.Network.Parameters.Count; i++)
            {
                Assert.Equal(straight.Network.Parameters[i].Value, result.Network.Parameters[i].Value);
            }
            Assert.Equal(straight.Test.Rows.Select(r => r.Correct), result.Test.Rows.Select(r => r.Correct));
        }
        finally
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }

    [Fact]
    public void ResumeRefusesToChangeTheModel()
    {
        var data = Digits();
        string path = Path.Combine(Path.GetTempPath(), "truncedge-ckpt-" + Guid.NewGuid().ToString("N") + ".ckpt");
        try
        {
            var o = Options("mlp", 1) with { TrainLimit = 128, TestLimit = 10, CalibrationEpochs = 0, CheckpointPath = path };
            TrainingSession.Create(o, data).Run();
            Assert.Throws<CheckpointException>(() => TrainingSession.Resume(path, x => x with { WeightBits = [2] }, data));
            Assert.Throws<CheckpointException>(() => Checkpoint.Load(path + ".missing"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void RoundQuantizerTrainsAndReportsBothDeployments()
    {
        var o = Options("mlp", 2) with { Quantizer = WeightQuantizer.Round, WeightBits = [2, 8], TrainLimit = 512, CalibrationEpochs = 0 };
        var result = TrainingSession.Create(o, Digits()).Run();
        var q = result.Test.Find(Precision.Of(2), WeightDeployment.Quantize)!;
        var t = result.Test.Find(Precision.Of(2), WeightDeployment.Truncate)!;
        Assert.Equal(q.Count, t.Count);
        Assert.Empty(result.CalibratedBits);
    }

    [Fact]
    public void BadOptionsAreRejectedWithTheOptionName()
    {
        var e = Assert.Throws<ArgumentException>(() => TrainingSession.Create(Options("vgg", 1), Digits()));
        Assert.Contains("--model", e.Message);
        e = Assert.Throws<ArgumentException>(() => TrainingSession.Create(Options("mlp", 1) with { WeightBits = [9] }, Digits()));
        Assert.Contains("--weight-bits", e.Message);
    }

    private sealed class CallbackProgress(Action<TrainProgress> onReport) : IProgress<TrainProgress>
    {
        public void Report(TrainProgress value) => onReport(value);
    }
}

public class ZooTrainingTests
{
    [Theory]
    [InlineData("mlp")]
    [InlineData("cnn")]
    [InlineData("resnet8")]
    [InlineData("resnet20")]
    [InlineData("dscnn")]
    public void EveryArchitectureTrainsExportsAndReimportsExactly(string arch)
    {
        var data = TrainingTests.Digits();
        var o = new TrainOptions
        {
            Model = arch, Data = "digits", Epochs = 1, BatchSize = 32, Threads = 2, TrainLimit = 96, TestLimit = 40,
            CalibrationEpochs = 0.1, EvaluateEachEpoch = false,
        };
        var result = TrainingSession.Create(o, data).Run();
        Assert.All(result.Network.Parameters, p => Assert.All(p.Value, v => Assert.True(float.IsFinite(v))));
        var graph = Model.Onnx.OnnxReader.Read(Model.Onnx.OnnxWriter.ToBytes(
            Export.OnnxExport.ToGraph(result.Network, result.TrainedBits, result.CalibratedBits)), arch + ".onnx");
        var eval = ModelEvaluation.Evaluate(graph, data.Test.Take(40), new EvalOptions { Threads = 1 });
        foreach (var row in eval.Rows)
        {
            Assert.Equal(result.Test.Find(row.Precision, row.Deployment)!.Correct, row.Correct);
        }
    }
}
