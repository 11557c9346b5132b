using TruncEdge.Model.Building;
using TruncEdge.Model.Graph;
using TruncEdge.Model.Onnx;
using TruncEdge.Model.TruncQuant;
using TruncEdge.Trainer.Layers;
using TruncEdge.Trainer.Quantization;
using TruncEdge.Trainer.Training;
using TruncEdge.Trainer.Zoo;

namespace TruncEdge.Trainer.Export;

/// <summary>
/// Writes a trained network in the TruncQuant ONNX profile (docs/model-format.md) through
/// <see cref="TruncQuantGraphBuilder"/>: latent float weights plus the exact 8-bit codes and E the
/// fake-quant forward pass used (<c>W.tq_codes</c>, <c>W.tq_mean_abs</c>), switchable BatchNorm as
/// a fallback (the 8-bit member, or the highest trained one) plus <c>.k&lt;k&gt;</c> variants for every
/// trained or calibrated k, and shared BatchNorms (after pinned layers) without variants.
/// Layer names in the file are the trainer's layer names.
/// </summary>
public static class OnnxExport
{
    public static void Write(TrainResult result, string path) =>
        OnnxWriter.Write(ToGraph(result.Network, result.TrainedBits, result.CalibratedBits), path);

    public static ModelGraph ToGraph(Network net, IReadOnlyList<int> trainedBits, IReadOnlyList<int> calibratedBits)
    {
        var trained = trainedBits.Order().ToArray();
        var calibrated = calibratedBits.Where(k => !trained.Contains(k)).Order().ToArray();
        var b = new TruncQuantGraphBuilder(net.Architecture, net.Quantizer, trained, net.ActivationBits, calibrated);
        var x = b.InputU8(net.Input.Channels, net.Input.Height, net.Input.Width);
        var variants = trained.Concat(calibrated).Order().ToArray();
        var emitter = new Emitter(b, variants);
        var y = emitter.Emit(net.Root, x);
        return b.Build(y);
    }

    private sealed class Emitter(TruncQuantGraphBuilder b, int[] variants)
    {
        public string Emit(Layer layer, string x)
        {
            switch (layer)
            {
                case Sequential s:
                    foreach (var c in s.Children)
                    {
                        x = Emit(c, x);
                    }
                    return x;
                case Conv2d c:
                {
                    var sp = c.Spec;
                    var y = b.Conv(x, (float[])c.Weight.Value.Clone(), sp.OutChannels, sp.KernelH, sp.KernelW,
                        (sp.StrideH, sp.StrideW), (sp.PadTop, sp.PadLeft, sp.PadBottom, sp.PadRight), sp.Groups, name: c.Name);
                    Codes(c.Name, c.Quantizer);
                    return y;
                }
                case Dense d:
                {
                    var y = b.Gemm(x, (float[])d.Weight.Value.Clone(), d.OutFeatures, d.Bias?.Value.Clone() as float[], name: d.Name);
                    Codes(d.Name, d.Quantizer);
                    return y;
                }
                case BatchNorm bn:
                    return bn.Shared
                        ? b.BatchNorm(x, Params(bn.State(Precision.Full)), name: bn.Name)
                        : b.BatchNorm(x, Params(bn.State(Fallback())),
                            variants.ToDictionary(k => k, k => Params(bn.State(Precision.Of(k)))), bn.Name);
                case ActivationQuantizer a:
                    return b.ActQuant(x, a.Bits, name: a.Name);
                case MaxPool2d p:
                    return b.MaxPool(x, p.Spec.KernelH, p.Spec.KernelW, (p.Spec.StrideH, p.Spec.StrideW),
                        (p.Spec.PadTop, p.Spec.PadLeft, p.Spec.PadBottom, p.Spec.PadRight), p.Name);
                case AvgPool2d p:
                    return b.AveragePool(x, p.Spec.KernelH, p.Spec.KernelW, (p.Spec.StrideH, p.Spec.StrideW),
                        (p.Spec.PadTop, p.Spec.PadLeft, p.Spec.PadBottom, p.Spec.PadRight), p.CountIncludePad, p.Name);
                case GlobalAvgPool g:
                    return b.GlobalAveragePool(x, g.Name);
                case Flatten f:
                    return b.ShapeOf(x).Count == 2 ? x : b.Flatten(x, f.Name);
                case ResidualBlock r:
                {
                    var branch = Emit(r.Branch, x);
                    var shortcut = r.Shortcut is null ? x : Emit(r.Shortcut, x);
                    var sum = b.Add(branch, shortcut, r.Name + ".add");
                    return Emit(r.Output, sum);
                }
                default:
                    throw new NotSupportedException($"layer {layer.Name} ({layer.GetType().Name}) has no ONNX form");
            }
        }

        private void Codes(string layerName, WeightFakeQuantizer q)
        {
            var codes = q.Codes8();
            b.PrecomputedCodes(layerName + ".weight", codes.Codes8, codes.MeanAbs);
        }

        /// <summary>The member whose parameters the node itself carries: 8 bits if trained or
        /// calibrated, else the highest one that is.</summary>
        private Precision Fallback() => variants.Length == 0 ? Precision.Full : Precision.Of(variants.Max());

        private static BatchNormParams Params(BatchNormState s) => new(
            (float[])s.Gamma.Value.Clone(), (float[])s.Beta.Value.Clone(),
            (float[])s.RunningMean.Clone(), (float[])s.RunningVar.Clone(), BatchNorm.Epsilon);
    }
}
