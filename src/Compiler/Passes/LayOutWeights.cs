using TruncEdge.Compiler.Draft;

namespace TruncEdge.Compiler.Passes;

/// <summary>
/// Puts every layer's codes in Program order, [out][weights of that output] following the HWC
/// activations: Conv [M][C/g][kh][kw] becomes [M][kh][kw][C/g]; a Dense layer's input features
/// follow its HWC input, so a layer after an NCHW Flatten reads ONNX feature c*H*W + h*W + w
/// where the Program has (h*W + w)*C + c.
/// </summary>
public sealed class LayOutWeights : ICompilerPass
{
    public string Name => "LayOutWeights";

    public void Run(Compilation compilation, DiagnosticBag diagnostics)
    {
        var draft = compilation.RequireDraft();
        foreach (var op in draft.Ops.OfType<DraftLayerOp>())
        {
            var layer = draft.Layers[op.Layer];
            if (layer.SourceOrder is not { } order) continue;
            layer.Codes = op.Conv is { } g ? Conv(layer.Codes, layer.OutChannels, g) : Dense(layer.Codes, layer.OutChannels, order, draft.Tensors[op.Input].Shape);
            layer.SourceOrder = null;
        }
    }

    private static byte[] Conv(byte[] codes, int cout, ConvGeometry g)
    {
        int kh = g.KernelH, kw = g.KernelW, cinG = codes.Length / (cout * kh * kw);
        var reordered = new byte[codes.Length];
        for (var m = 0; m < cout; m++)
            for (var c = 0; c < cinG; c++)
                for (var i = 0; i < kh; i++)
                    for (var j = 0; j < kw; j++)
                        reordered[((m * kh + i) * kw + j) * cinG + c] = codes[((m * cinG + c) * kh + i) * kw + j];
        return reordered;
    }

    private static byte[] Dense(byte[] codes, int outF, WeightOrder order, Program.TensorShape xt)
    {
        var inF = codes.Length / outF;
        var onnxIndexOf = new int[inF];
        for (var h = 0; h < xt.Height; h++)
            for (var w = 0; w < xt.Width; w++)
                for (var c = 0; c < xt.Channels; c++)
                    onnxIndexOf[(h * xt.Width + w) * xt.Channels + c] =
                        order.FromNchw ? (c * xt.Height + h) * xt.Width + w : (h * xt.Width + w) * xt.Channels + c;
        var reordered = new byte[outF * inF];
        for (var o = 0; o < outF; o++)
            for (var f = 0; f < inF; f++)
            {
                var src = onnxIndexOf[f];
                reordered[o * inF + f] = codes[order.TransB ? o * inF + src : src * outF + o];
            }
        return reordered;
    }
}
