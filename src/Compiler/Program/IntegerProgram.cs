namespace TruncEdge.Compiler.Program;

/// <summary>
/// The integer Program: the single definition of what inference computes. Ops run in list
/// order; every op reads tensors written by earlier ops (or the input) and writes one tensor.
/// </summary>
public sealed class IntegerProgram
{
    public required string Name { get; init; }
    public required List<ProgramTensor> Tensors { get; init; }
    public required List<WeightLayer> Layers { get; init; }
    public required List<ProgramOp> Ops { get; init; }
    public required int Input { get; init; }
    public required int Output { get; init; }
    /// <summary>Arena bytes the plan needs (0 until planned).</summary>
    public int ArenaSize { get; set; }
    /// <summary>The largest total of tensor bytes that must be live at once: no plan of the
    /// tensors can beat it (kernel scratch not included).</summary>
    public int ArenaLowerBound { get; set; }
    /// <summary>Kernel scratch in the arena, one block per op that uses some, in op order (planned with the tensors).</summary>
    public List<ScratchBlock> Scratch { get; } = [];
    /// <summary>The arena buffer each op of a packed layer (<see cref="WeightLayer.IsPacked"/>)
    /// unpacks its codes into before its kernel call, in op order (planned with the tensors).</summary>
    public List<ScratchBlock> PackedWork { get; } = [];
    /// <summary>The arena buffer each Conv and Dense op expands its layer's stored tables into
    /// (te_requant_expand, <see cref="StoredRequant.WorkBytes(int)"/>) before its kernel call, in op
    /// order (planned with the tensors).</summary>
    public List<ScratchBlock> RequantWork { get; } = [];
    /// <summary>The weight bit widths k the Program carries tables for, ascending (default 1..8;
    /// `--deploy-bits`, pass SelectDeployedBits). A layer that is not pinned has a table for
    /// exactly these k; a pinned layer for k = 8 only.</summary>
    public IReadOnlyList<int> DeployedBits { get; set; } = WeightBits.All;
    /// <summary>Facts about the source model, printed in reports and emitted headers.</summary>
    public Dictionary<string, string> Provenance { get; init; } = new(StringComparer.Ordinal);

    /// <summary>The weight bit widths that get a table row in <paramref name="layer"/>, ascending (row
    /// i holds the i-th): the deployed k, or only 8 for a pinned layer.</summary>
    public IReadOnlyList<int> RowBits(WeightLayer layer) => layer.Pinned ? [8] : DeployedBits;

    public ProgramTensor InputTensor => Tensors[Input];
    public ProgramTensor OutputTensor => Tensors[Output];
}
