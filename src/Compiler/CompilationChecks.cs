using TruncEdge.Compiler.Draft;
using TruncEdge.Compiler.Passes;
using TruncEdge.Compiler.Program;

namespace TruncEdge.Compiler;

/// <summary>
/// The invariants of the IR a pass left behind, for <see cref="CompilerPipeline.VerifyAfterEachPass"/>:
/// the Program verifier once there is a Program (the arena only once it is planned), the Draft
/// check before. A failure is a bug in the pass named in the message, not a user mistake.
/// </summary>
public static class CompilationChecks
{
    public static void After(string pass, Compilation compilation)
    {
        try
        {
            if (compilation.Program is { } program) new VerifyProgram().Run(program, planned: program.ArenaSize > 0);
            else if (compilation.Draft is { } draft) CheckDraft(draft);
        }
        catch (InvalidOperationException e)
        {
            throw new InvalidOperationException($"after pass {pass}: {e.Message}", e);
        }
    }

    /// <summary>Ids dense, every op reading tensors written before it and writing a new one, layers
    /// used by exactly one op with per-k maps of their width once folded, and scales positive (an Int32 tensor's
    /// is NaN until ChooseInt32Scales).</summary>
    public static void CheckDraft(DraftProgram d)
    {
        for (var i = 0; i < d.Tensors.Count; i++) Check(d.Tensors[i].Id == i, $"tensor at position {i} has id {d.Tensors[i].Id}");
        Check(d.Input >= 0 && d.Input < d.Tensors.Count && d.Tensors[d.Input].Storage == TensorStorage.Input, "the input tensor does not exist or is not the input");
        Check(d.Output >= 0 && d.Output < d.Tensors.Count, "the output tensor does not exist");
        foreach (var t in d.Tensors)
            Check(t.Scale > 0 || (t.Kind == ElementKind.Int32 && double.IsNaN(t.Scale)), $"tensor {t.Id} '{t.Name}' has scale {t.Scale}");
        var written = new bool[d.Tensors.Count];
        written[d.Input] = true;
        var uses = new int[d.Layers.Count];
        foreach (var op in d.Ops)
        {
            int[] inputs = op switch
            {
                DraftLayerOp l => l.Residual is { } r ? [l.Input, r] : [l.Input],
                DraftMaxPoolOp m => [m.Input],
                DraftAvgPoolOp a => [a.Input],
                DraftAddOp a => [a.A, a.B],
                _ => throw new InvalidOperationException($"op '{op.Name}' is a {op.GetType().Name}, which the Draft does not have"),
            };
            foreach (var i in inputs) Check(i >= 0 && i < d.Tensors.Count && written[i], $"op '{op.Name}' reads tensor {i} before it is written");
            Check(op.Output >= 0 && op.Output < d.Tensors.Count && !written[op.Output], $"op '{op.Name}' writes tensor {op.Output}, which does not exist or is written twice");
            written[op.Output] = true;
            if (op is DraftLayerOp layerOp)
            {
                Check(layerOp.Layer >= 0 && layerOp.Layer < d.Layers.Count, $"op '{op.Name}' uses layer {layerOp.Layer}, which does not exist");
                uses[layerOp.Layer]++;
            }
        }
        Check(written[d.Output], "the output is never written");
        for (var i = 0; i < d.Layers.Count; i++)
        {
            var l = d.Layers[i];
            Check(l.Index == i && uses[i] == 1, $"layer at position {i} has index {l.Index} and {uses[i]} ops");
            Check(l.OutChannels > 0 && l.Codes.Length % l.OutChannels == 0, $"layer {i} '{l.Name}' has {l.Codes.Length} codes for {l.OutChannels} outputs");
            // Before FoldBatchNorms a layer has no maps yet; after it, 8 and no steps left.
            var folded = l.A.Length > 0;
            Check(!folded || (l.Steps.Count == 0 && l.A.Length == 8 && l.B.Length == 8 && l.A.Concat(l.B).All(row => row.Length == l.OutChannels)),
                $"layer {i} '{l.Name}' needs 8 affine maps of {l.OutChannels} channels and no step left to fold");
        }
    }

    private static void Check(bool ok, string message)
    {
        if (!ok) throw new InvalidOperationException(message);
    }
}
