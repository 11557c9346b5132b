namespace TruncEdge.Emitter.Model;

// The emit model: everything the templates print, already computed and formatted (STYLE rule 6).
// Templates only walk these records; every string here is final C or Markdown text, formatted
// with the invariant culture by CFormat. Lists are in a fixed order (IR order).

/// <summary>What every template of one folder shares.</summary>
internal sealed record FolderModel(
    IReadOnlyList<string> Provenance, // without comment markers (STYLE rule 13)
    string Prefix,
    string Upper,
    string HeaderFile,
    string SourceFile,
    string Library,
    string ModelName,
    IReadOnlyList<string> KernelSources,
    IReadOnlyList<string> RuntimeHeaders,
    IReadOnlyList<string> HarnessSources,
    string Target,
    CrossModel? Cross, // null for a host folder
    HeaderModel Header,
    SourceModel Source,
    DeploymentModel? Deploy, // null when every k = 1..8 is deployed (the output is then as before --deploy-bits existed)
    string WeightsText); // "weights (8-bit codes)", or the packed storage of --store-bits

/// <summary>The cross target's build defaults (<see cref="CrossBuild"/>), as printed.</summary>
internal sealed record CrossModel(
    string Compiler,
    string Archiver,
    string CpuFlags,       // space-separated
    string Processor,
    string ToolchainFile); // "cmake/cortex-m4.cmake"

/// <summary>
/// A folder compiled for some weight bit widths only (`--deploy-bits`): tables hold a row per
/// deployed k, and &lt;prefix&gt;_bits_row maps k to its row.
/// </summary>
internal sealed record DeploymentModel(
    string Mask,     // "0x8Au": bit k - 1 set for every deployed k
    string List,     // "2, 4, 8"
    string Top);     // "8": the highest deployed k, where _init starts every layer

internal sealed record HeaderModel(
    string Guard,
    string ArenaSize,
    string ArenaBytes,
    string InputHeight,
    string InputWidth,
    string InputChannels,
    string InputSize,
    string OutputHeight,
    string OutputWidth,
    string OutputChannels,
    string OutputSize,
    string OutputScale,
    IReadOnlyList<string> OutputComment,
    string LayerCount,
    string OpCount,
    string LayerCountText,
    string OpCountText,
    string TotalMacs,
    IReadOnlyList<LayerSummary> Layers,
    IReadOnlyList<OpSummary> Ops);

internal sealed record LayerSummary(string Index, string Pinned, string Comment);

internal sealed record OpSummary(string Index, string Comment);

internal sealed record SourceModel(
    string InitBits, // "8u": what _init gives layer i, the highest deployed k (8 for pinned layers when it is not 8)
    string? BitsRowInit, // "0xFFu, 0u, 0xFFu, 1u, ...": <prefix>_bits_row, the row of k at index k - 1 (0xFF when
                         // not deployed); null when every k is deployed or every layer is pinned (no table to map)
    string Magic,
    string PinnedInit,
    IReadOnlyList<LayerModel> Layers,
    IReadOnlyList<OpDataModel> OpData,
    IReadOnlyList<OpBlock> Ops,
    OutputCopy Output);

/// <summary>One weight layer: its codes (uint8_t, or the uint32_t words of packed codes) and its requantization tables.</summary>
internal sealed record LayerModel(
    IReadOnlyList<string> Comment,
    string CodesType,
    string CodesIdent,
    string CodesCount,
    IReadOnlyList<string> CodeLines,
    IReadOnlyList<TableModel> Tables);

/// <summary>A static const two-dimensional table [rows][columns], one row per weight bit width.</summary>
internal sealed record TableModel(string CType, string Ident, string Rows, string Columns, IReadOnlyList<TableRow> RowModels);

internal sealed record TableRow(string Label, IReadOnlyList<string> Lines, string Close);

/// <summary>The static const data of one op (kernel parameters, pooling multipliers).</summary>
internal sealed record OpDataModel(string Comment, ParamsModel? Params, IReadOnlyList<ArrayModel> Arrays);

internal sealed record ParamsModel(string CType, string Ident, string Init);

internal sealed record ArrayModel(string CType, string Ident, string Count, IReadOnlyList<string> Lines);

/// <summary>One op of the invoke function: a comment, its kernel calls (each followed by the
/// status check) and the trace call.</summary>
internal sealed record OpBlock(
    string Index,
    IReadOnlyList<string> Comment,
    IReadOnlyList<KernelCall> Calls,
    string Output,
    string OutputBytes);

/// <summary>
/// One runtime call in &lt;prefix&gt;_invoke, in the one form every op prints (so the template has
/// no branch per op, and a new op needs no template change): the statements that set up its
/// arguments, one line each, then <c>status = Kernel(arguments);</c>. <see cref="Arguments"/> are the
/// lines the arguments are printed on, joined by ",", each line after the first indented by
/// <see cref="Hang"/> beyond the block. A weighted op is two calls: te_requant_expand, then its kernel.
/// </summary>
internal sealed record KernelCall(IReadOnlyList<string> Setup, string Kernel, IReadOnlyList<string> Arguments, string Hang);

/// <summary>The final copy of the output tensor to the caller's int32 buffer.</summary>
internal sealed record OutputCopy(string Comment, bool IsCode, string Data);
