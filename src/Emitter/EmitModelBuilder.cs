using TruncEdge.Compiler.Program;
using TruncEdge.Emitter.Model;
using static TruncEdge.Emitter.CFormat;

namespace TruncEdge.Emitter;

/// <summary>
/// Computes the emit model of one folder: identifiers, offsets, integer constants and comment
/// text. Everything that needs a decision happens here; the templates only print.
/// </summary>
internal static class EmitModelBuilder
{
    /// <summary>"TEM1" as a little-endian uint32: marks a context set up by &lt;prefix&gt;_init.</summary>
    private const string ContextMagic = "0x314D4554u";

    private const int CodesPerLine = 16;
    private const int Int32PerLine = 8;
    private const int Int64PerLine = 6;
    private const int WordsPerLine = 6;
    private const int ShiftsPerLine = 16;

    public static FolderModel Build(IntegerProgram program, EmitOptions options, IReadOnlyList<string> kernelSources,
        IReadOnlyList<string> runtimeHeaders, IReadOnlyList<string> harnessSources)
    {
        var names = new Names(options.Prefix);
        var calls = new OpCallBuilder(program, names);
        foreach (var op in program.Ops)
        {
            op.Accept(calls);
        }

        var deploy = BuildDeployment(program);
        var header = BuildHeader(program, names, calls);
        var source = new SourceModel(
            InitBits(program, names),
            BitsRowInit(program),
            ContextMagic,
            string.Join(", ", program.Layers.Select(l => l.Pinned ? "1" : "0")),
            program.Layers.Select(l => BuildLayer(program, names, l, calls.Layers[l.Index])).ToList(),
            calls.Data,
            calls.Blocks,
            BuildOutputCopy(program));

        return new FolderModel(
            Provenance(program, options),
            names.Prefix,
            names.Upper,
            names.Prefix + ".h",
            names.Prefix + ".c",
            "lib" + names.Prefix + ".a",
            CommentText(program.Name, 80),
            kernelSources,
            runtimeHeaders,
            harnessSources,
            CommentText(options.Target, 80),
            options.Cross is { } cross
                ? new CrossModel(cross.Compiler, cross.Archiver, string.Join(' ', cross.CpuFlags), cross.Processor, ToolchainFile(options.Target))
                : null,
            header,
            source,
            deploy,
            program.Layers.Any(l => l.IsPacked)
                ? $"weights (the top {Int(ProgramStatistics.StoreBits(program))} bits of each code, packed in uint32_t words; pinned layers 8-bit codes)"
                : "weights (8-bit codes)");
    }

    /// <summary>The CMake toolchain file of a cross folder: cmake/&lt;target&gt;.cmake.</summary>
    public static string ToolchainFile(string target) => $"cmake/{target}.cmake";

    /// <summary>What _init gives layer i: the highest deployed k, and 8 to pinned layers when that is below 8.</summary>
    private static string InitBits(IntegerProgram program, Names names)
    {
        var top = program.DeployedBits.Max();
        return top == 8 || program.Layers.All(l => !l.Pinned)
            ? UInt(top)
            : $"(uint8_t)({names.Prefix}_layer_pinned[i] != 0u ? 8u : {UInt(top)})";
    }

    /// <summary>The row mapping of a folder compiled for some k only; null when every k is deployed.</summary>
    private static DeploymentModel? BuildDeployment(IntegerProgram program)
    {
        var bits = program.DeployedBits;
        if (WeightBits.IsAll(bits))
        {
            return null;
        }

        return new DeploymentModel(
            "0x" + WeightBits.Mask(bits).ToString("X2", System.Globalization.CultureInfo.InvariantCulture) + "u",
            DeployedList(program),
            Int(bits.Max()));
    }

    /// <summary>The initialiser of &lt;prefix&gt;_bits_row, or null when no table needs it.</summary>
    private static string? BitsRowInit(IntegerProgram program)
    {
        var order = program.DeployedBits.ToList();
        // (one deployed k: every layer's step is written as constants and reads no row)
        if (WeightBits.IsAll(order) || order.Count == 1 || program.Layers.All(l => l.Pinned))
        {
            return null;
        }

        return string.Join(", ", Enumerable.Range(1, 8).Select(k => order.IndexOf(k) is var row and >= 0 ? UInt(row) : "0xFFu"));
    }

    /// <summary>"1..8" for every k, else "2, 4, 8".</summary>
    private static string DeployedList(IntegerProgram program) =>
        WeightBits.IsAll(program.DeployedBits) ? "1..8" : string.Join(", ", program.DeployedBits.Select(k => Int(k)));

    /// <summary>The runtime kernels a Program calls, in ordinal order.</summary>
    public static IReadOnlyCollection<string> KernelsUsed(IntegerProgram program)
    {
        var calls = new OpCallBuilder(program, new Names(EmitOptions.DefaultPrefix));
        foreach (var op in program.Ops)
        {
            op.Accept(calls);
        }

        return calls.Kernels;
    }

    private static List<string> Provenance(IntegerProgram program, EmitOptions options)
    {
        var lines = new List<string>
        {
            $"Generated by TruncEdge {CommentText(options.ToolVersion, 40)}. Do not edit: regenerate with the command below.",
            "command: " + (string.IsNullOrEmpty(options.CommandLine) ? "(not given)" : CommentText(options.CommandLine, 400)),
            $"model:   {Quoted(program.Name)}, sha256 {(string.IsNullOrEmpty(options.ModelSha256) ? "(not given)" : CommentText(options.ModelSha256, 80))}",
            "target:  " + CommentText(options.Target, 80),
        };
        foreach (var (key, value) in program.Provenance.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            lines.Add($"{CommentText(key, 40)}: {CommentText(value, 200)}");
        }

        return lines;
    }

    private static HeaderModel BuildHeader(IntegerProgram program, Names names, OpCallBuilder calls)
    {
        var input = program.InputTensor;
        var output = program.OutputTensor;
        var outputComment = new List<string>
        {
            output.Kind == ElementKind.Code
                ? $"Output: {OpCallBuilder.ShapeText(output.Shape)} {Int(output.Bits)}-bit codes (HWC), widened to int32;"
                : $"Output: {OpCallBuilder.ShapeText(output.Shape)} int32 fixed point (HWC);",
            $"real value = output[i] * {names.Upper}_OUTPUT_SCALE. Tensor t{Int(output.Id)} {Quoted(output.Name)}.",
        };
        var layers = program.Layers.Select(l => new LayerSummary(
            Int(l.Index),
            l.Pinned ? "1u" : "0u",
            $"{Quoted(l.Name)}: {calls.Layers[l.Index].Kind}, {(l.Pinned ? "pinned at 8 bits" : DeployedList(program) + " bits")}")).ToList();
        var ops = program.Ops.Select(op =>
        {
            var t = program.Tensors[op.Output];
            return new OpSummary(Int(op.Index), $"{calls.OpKinds[op.Index]} {Quoted(op.Name)} -> {OpCallBuilder.KindText(t)}, {Int(t.ByteSize)} B");
        }).ToList();

        return new HeaderModel(
            names.Upper + "_H",
            UInt(program.ArenaSize),
            Count(program.ArenaSize),
            UInt(input.Shape.Height),
            UInt(input.Shape.Width),
            UInt(input.Shape.Channels),
            UInt(input.Shape.Size),
            UInt(output.Shape.Height),
            UInt(output.Shape.Width),
            UInt(output.Shape.Channels),
            UInt(output.Shape.Size),
            CFormat.Double(output.Scale),
            outputComment,
            UInt(program.Layers.Count),
            UInt(program.Ops.Count),
            Count(program.Layers.Count),
            Count(program.Ops.Count),
            Count(calls.TotalMacs),
            layers,
            ops);
    }

    private static LayerModel BuildLayer(IntegerProgram program, Names names, WeightLayer layer, LayerUse use)
    {
        var rows = program.RowBits(layer).ToList();
        var c = layer.OutChannels;
        var hasResidual = layer.Tables[rows[0] - 1]!.ResidualMultiplier is not null;
        var tableBytes = (long)ProgramStatistics.TableBytes(layer);
        var comment = new List<string>
        {
            $"Layer {Int(layer.Index)} {Quoted(layer.Name)}: {use.Kind}, " +
            (layer.Pinned ? "pinned at 8 bits (one table row, k = 8)"
                : WeightBits.IsAll(program.DeployedBits) ? "weight bits 1..8 (table row k - 1)"
                : program.DeployedBits.Count == 1 ? $"deployed weight bits {DeployedList(program)} (one table row)"
                : $"deployed weight bits {DeployedList(program)} (table row {names.Prefix}_bits_row[k - 1])"),
            use.Codes,
            $"input {use.Input}, output {use.Output}, {Count(use.Macs)} MACs per inference",
            $"flash: {Count(layer.StoredBytes)} B codes + {Count(tableBytes)} B tables = {Count(layer.StoredBytes + tableBytes)} B; " +
            $"mean |w| {CFormat.Double(layer.MeanAbs)}",
        };
        var storedForm = layer.Storage(out _)!;
        comment.Add(storedForm.IsShared
            ? "requantization: one row of constants for every k (its k differ by one factor each, kfactor), expanded before each call (te_requant_expand)"
            : rows.Count == 1 ? "requantization: one row of constants, expanded before each call (te_requant_expand)"
            : "requantization: one row of constants per k, expanded before each call (te_requant_expand)");
        if (layer.IsPacked)
        {
            comment.Add($"codes stored at their top {Int(layer.StoreBits)} bits, packed (docs/emitted-c.md, \"Packed weight storage\"):");
            comment.Add($"{Count(layer.Codes.Length)} codes in {Count(PackedCodes.Words(layer.Codes.Length, layer.StoreBits))} words, " +
                        $"unpacked into the arena before each call (te_unpack_codes)");
        }

        // The stored form (te_requant_stored): rows of per-channel constants, one for every k or one
        // per k, and per k a factor and three shifts; te_requant_expand widens them before each call.
        var stored = layer.Storage(out _)!;
        var steps = rows.Select(k => stored.Steps[k - 1]!).ToList();
        var rowLabels = stored.Rows.Count == 1 && rows.Count > 1 ? ["every k"] : rows.Select(k => $"k = {Int(k)}").ToList();
        var tables = new List<TableModel>
        {
            Rows("int32_t", names.Layer(layer.Index, "bias"), layer, rowLabels, stored.Rows.Select(r => r.Bias.Select(Int32).ToList()).ToList(), Int32PerLine),
            Rows("int32_t", names.Layer(layer.Index, "mult"), layer, rowLabels, stored.Rows.Select(r => r.Multiplier.Select(Int32).ToList()).ToList(), Int32PerLine),
        };
        if (stored.Rows.Any(r => r.PreShift is not null))
        {
            tables.Add(Rows("int8_t", names.Layer(layer.Index, "pshift"), layer, rowLabels,
                stored.Rows.Select(r => (r.PreShift ?? new int[c]).Select(s => Int(s)).ToList()).ToList(), ShiftsPerLine));
        }
        if (stored.Rows.Any(r => r.Shift is not null))
        {
            tables.Add(Rows("int8_t", names.Layer(layer.Index, "shift"), layer, rowLabels,
                stored.Rows.Select(r => (r.Shift ?? new int[c]).Select(s => Int(s)).ToList()).ToList(), ShiftsPerLine));
        }
        if (hasResidual)
        {
            tables.Add(Rows("int32_t", names.Layer(layer.Index, "rmult"), layer, rowLabels,
                stored.Rows.Select(r => r.ResidualMultiplier!.Select(Int32).ToList()).ToList(), Int32PerLine));
            tables.Add(Rows("int8_t", names.Layer(layer.Index, "rpshift"), layer, rowLabels,
                stored.Rows.Select(r => r.ResidualPreShift!.Select(s => Int(s)).ToList()).ToList(), ShiftsPerLine));
        }
        var stepLabels = rows.Select(k => $"k = {Int(k)}").ToList();
        if (steps.Count > 1) // (one k's step is written as constants at the call)
        {
                tables.Add(Rows("int32_t", names.Layer(layer.Index, "kfactor"), layer, stepLabels, steps.Select(s => new List<string> { Int32(s.Factor) }).ToList(), Int32PerLine, "1"));
            tables.Add(Rows("uint8_t", names.Layer(layer.Index, "kshift"), layer, stepLabels,
                steps.Select(s => new List<string> { Int(s.BiasShift), Int(s.ShiftAdd), Int(s.PreAdd) }).ToList(), ShiftsPerLine, "3"));
        }

        if (layer.IsPacked)
        {
            var words = PackedCodes.Pack(layer.Codes, layer.StoreBits);
            return new LayerModel(comment, "uint32_t", names.Layer(layer.Index, "packed"), Int(words.Length),
                Lines(words.Select(Hex32).ToList(), WordsPerLine), tables);
        }

        return new LayerModel(
            comment,
            "uint8_t",
            names.Layer(layer.Index, "codes"),
            Int(layer.Codes.Length),
            Lines(layer.Codes.Select(b => Int(b)).ToList(), CodesPerLine),
            tables);
    }

    private static string Hex32(uint v) => "0x" + v.ToString("X8", System.Globalization.CultureInfo.InvariantCulture) + "u";

    /// <summary>A [rows][columns] table, one row of values per label (columns: the channels unless given).</summary>
    private static TableModel Rows(string type, string ident, WeightLayer layer, List<string> labels, List<List<string>> cells, int perLine, string? columns = null)
    {
        var width = cells.SelectMany(c => c).Max(v => v.Length);
        var models = labels.Select((label, i) => new TableRow(
            label,
            Lines(cells[i], perLine, width),
            i == labels.Count - 1 ? "}" : "},")).ToList();
        return new TableModel(type, ident, Int(labels.Count), columns ?? Int(layer.OutChannels), models);
    }

    private static OutputCopy BuildOutputCopy(IntegerProgram program)
    {
        var t = program.OutputTensor;
        return new OutputCopy(
            $"Output: {OpCallBuilder.TensorText(t)}" + (t.Kind == ElementKind.Code ? ", codes widened to int32." : ", copied."),
            t.Kind == ElementKind.Code,
            $"arena + {UInt(t.ArenaOffset)}");
    }
}
