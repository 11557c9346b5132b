using System.Diagnostics;
using TruncEdge.Model.Onnx;
using TruncEdge.Model.TruncQuant;

namespace TruncEdge.Model.Tests;

/// <summary>
/// Optional: asks the official onnx package (Debian's python3-onnx, under /usr/bin/python3)
/// whether the writer's output is a valid model. Skipped where it is not installed, so the
/// default test run never depends on Python.
/// </summary>
public sealed class OnnxCheckerTests
{
    private const string Python = "/usr/bin/python3";

    [OnnxCheckerFact]
    public void CheckerAcceptsWriterOutput()
    {
        var folder = Directory.CreateTempSubdirectory("truncedge-checker-");
        try
        {
            var cnn = Path.Combine(folder.FullName, "cnn.onnx");
            var mlp = Path.Combine(folder.FullName, "mlp.onnx");
            OnnxWriter.Write(TestModels.SmallCnn(), cnn);
            OnnxWriter.Write(TestModels.Mlp(), mlp);
            var script = "import onnx, sys\n" +
                "for p in sys.argv[1:]:\n" +
                "    m = onnx.load(p)\n" +
                "    onnx.checker.check_model(m, full_check=True)\n" +
                "    assert m.ir_version == 8 and m.opset_import[0].version == 13\n" +
                "print('ok')\n";
            var (exit, output) = Run(["-c", script, cnn, mlp]);
            Assert.True(exit == 0, output);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [OnnxCheckerFact]
    public void ReaderReadsWhatTheOfficialPackageWrites()
    {
        // The other direction: the official serializer (proto2, its own packing choices) writes,
        // TruncEdge reads. Typed fields, a Constant node, an INT attribute of 0, metadata.
        var folder = Directory.CreateTempSubdirectory("truncedge-checker-");
        try
        {
            var path = Path.Combine(folder.FullName, "official.onnx");
            var script = """
                import onnx, sys
                from onnx import helper as h, TensorProto as T
                w = h.make_tensor("w", T.FLOAT, [2, 1, 1, 1], [0.5, -0.25])
                zp = h.make_tensor("zp", T.UINT8, [], [0])
                s = h.make_tensor("s", T.FLOAT, [], [1.0 / 255])
                shape = h.make_node("Constant", [], ["shape"], value=h.make_tensor("v", T.INT64, [2], [1, -1]))
                dq = h.make_node("DequantizeLinear", ["x", "s", "zp"], ["xf"], name="dq")
                conv = h.make_node("Conv", ["xf", "w"], ["y"], name="conv", group=1, kernel_shape=[1, 1], pads=[0, 0, 0, 0])
                pool = h.make_node("AveragePool", ["y"], ["p"], name="pool", kernel_shape=[2, 2], count_include_pad=0)
                reshape = h.make_node("Reshape", ["p", "shape"], ["out"], name="reshape")
                g = h.make_graph([shape, dq, conv, pool, reshape], "official",
                    [h.make_tensor_value_info("x", T.UINT8, ["N", 1, 2, 2])],
                    [h.make_tensor_value_info("out", T.FLOAT, [1, 2])], [w, zp, s])
                m = h.make_model(g, opset_imports=[h.make_opsetid("", 13)], producer_name="onnx-python")
                m.ir_version = 8
                h.set_model_props(m, {"truncquant.profile": "1", "truncquant.weight_quantizer": "round", "truncquant.weight_bits": "8"})
                onnx.checker.check_model(m)
                onnx.save(m, sys.argv[1])
                """;
            var (exit, output) = Run(["-c", script, path]);
            Assert.True(exit == 0, output);

            var graph = OnnxReader.Read(path);
            Assert.Equal("official", graph.Name);
            Assert.Equal("onnx-python", graph.ProducerName);
            Assert.Equal(13, graph.OpsetVersion);
            Assert.Equal("round", graph.Metadata["truncquant.weight_quantizer"]);
            GraphAssert.ValueInfoEqual(new Graph.ValueInfo("x", Graph.DataType.UInt8, [-1, 1, 2, 2]), Assert.Single(graph.Inputs));
            Assert.Equal(new[] { "dq", "conv", "pool", "reshape" }, graph.Nodes.Select(n => n.Name));
            var conv = graph.Nodes[1];
            Assert.Equal(1, conv.GetInt("group", -1));
            Assert.Equal(new long[] { 0, 0, 0, 0 }, conv.GetInts("pads"));
            Assert.Equal(0, graph.Nodes[2].GetInt("count_include_pad", -1));
            GraphAssert.TensorEqual(Graph.TensorData.FromFloats("w", [2, 1, 1, 1], [0.5f, -0.25f]), graph.Initializers["w"]);
            GraphAssert.TensorEqual(Graph.TensorData.FromBytes("zp", [], [0]), graph.Initializers["zp"]);
            GraphAssert.TensorEqual(Graph.TensorData.FromInt64s("shape", [2], [1, -1]), graph.Initializers["shape"]);
            Assert.Equal(8, ActivationQuantization.TryGetBits(graph, graph.Nodes[0]));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    internal static bool PythonOnnxAvailable()
    {
        if (!File.Exists(Python))
            return false;
        try
        {
            return Run(["-c", "import onnx"]).Exit == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }

    private static (int Exit, string Output) Run(string[] arguments)
    {
        var info = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in arguments)
            info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(60_000))
        {
            process.Kill(entireProcessTree: true);
            return (-1, "python timed out");
        }
        return (process.ExitCode, stdout.Result + stderr.Result);
    }
}

/// <summary>A fact that is skipped when /usr/bin/python3 cannot import onnx.</summary>
public sealed class OnnxCheckerFactAttribute : FactAttribute
{
    private static readonly Lazy<bool> Available = new(OnnxCheckerTests.PythonOnnxAvailable);

    public OnnxCheckerFactAttribute()
    {
        if (!Available.Value)
            Skip = "python3-onnx is not installed (apt-get install python3-onnx)";
    }
}
