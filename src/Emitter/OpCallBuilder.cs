using TruncEdge.Compiler.Program;
using TruncEdge.Emitter.Model;
using static TruncEdge.Emitter.CFormat;

namespace TruncEdge.Emitter;

/// <summary>
/// The emitter's <see cref="IOpVisitor{T}"/>: one method per op, each producing the op's block
/// of kernel calls (and its static const data) for <c>&lt;prefix&gt;_invoke</c>. The reference
/// executor implements the same interface, so a new op cannot reach one and not the other.
/// </summary>
internal sealed class OpCallBuilder(IntegerProgram program, Names names) : IOpVisitor<OpBlock>
{
    private readonly List<OpBlock> _blocks = [];
    private readonly List<OpDataModel> _data = [];
    private readonly SortedSet<string> _kernels = new(StringComparer.Ordinal);
    private readonly List<string> _opKinds = [];
    private readonly Dictionary<int, LayerUse> _layers = [];

    public IReadOnlyList<OpBlock> Blocks => _blocks;
    public IReadOnlyList<OpDataModel> Data => _data;
    /// <summary>The runtime kernels the visited ops call, in ordinal order.</summary>
    public IReadOnlyCollection<string> Kernels => _kernels;
    public long TotalMacs { get; private set; }
    /// <summary>"conv2d", "dense", ... for each visited op, in op order.</summary>
    public IReadOnlyList<string> OpKinds => _opKinds;
    /// <summary>How each weight layer is used, from the first op that uses it (MACs over all of them).</summary>
    public IReadOnlyDictionary<int, LayerUse> Layers => _layers;

    public OpBlock Visit(ConvOp op)
    {
        var (input, output) = (program.Tensors[op.Input], program.Tensors[op.Output]);
        var layer = program.Layers[op.Layer];
        var paramsIdent = names.OpData(op.Index, "params");
        var init = $"{{ {Dims(input.Shape)}, {Dims(output.Shape)}, {Int(op.KernelH)}, {Int(op.KernelW)}, " +
                   $"{Int(op.StrideH)}, {Int(op.StrideW)}, {Int(op.PadTop)}, {Int(op.PadLeft)}, {Int(op.Groups)}, {Int(input.Bits)} }}";
        _data.Add(new OpDataModel($"op {Int(op.Index)}: {Quoted(op.Name)}, te_conv_params {{ in, out, kernel h/w, stride h/w, pad top/left, groups, input bits }}",
            new ParamsModel("te_conv_params", paramsIdent, init), []));

        var kind = op.Groups == 1 ? "conv2d" : op.Groups == input.Shape.Channels && op.Groups == output.Shape.Channels ? "depthwise conv2d" : "grouped conv2d";
        var macs = (long)output.Shape.Size * op.KernelH * op.KernelW * (input.Shape.Channels / op.Groups);
        var comment = new List<string>
        {
            $"op {Int(op.Index)}: {kind} {Quoted(op.Name)}, {LayerText(layer)}",
            $"in  {TensorText(input)}",
            $"out {TensorText(output)}",
            $"kernel {Int(op.KernelH)}x{Int(op.KernelW)}, stride {Int(op.StrideH)}x{Int(op.StrideW)}, " +
            $"pad top {Int(op.PadTop)} left {Int(op.PadLeft)}, groups {Int(op.Groups)}; {Count(macs)} MACs",
        };
        UseLayer(layer, $"{kind} {Int(op.KernelH)}x{Int(op.KernelW)}",
            $"codes [{Int(layer.OutChannels)}][{Int(op.KernelH)}][{Int(op.KernelW)}][{Int(input.Shape.Channels / op.Groups)}] " +
            "(out channel, kernel h, kernel w, in channel / groups)", input, output, macs);
        // The variant this layer needs (truncedge.h), so that the firmware links no other: the
        // block form in its planned scratch, depthwise, or the grouped form.
        var variant = op.Groups == 1 ? program.Scratch.Any(s => s.Op == op.Index) ? "te_conv2d_block" : "te_conv2d"
            : op.Groups == input.Shape.Channels ? "te_conv2d_depthwise" : "te_conv2d_grouped";
        return AddWeighted(op, kind, "te_conv2d", layer.IsPacked ? $"{variant}, &{paramsIdent}" : "&" + paramsIdent,
            op.Input, layer, op.Residual, op.Clamp, macs, comment, variant);
    }

    public OpBlock Visit(DenseOp op)
    {
        var (input, output) = (program.Tensors[op.Input], program.Tensors[op.Output]);
        var layer = program.Layers[op.Layer];
        var macs = (long)input.Shape.Size * output.Shape.Size;
        var comment = new List<string>
        {
            $"op {Int(op.Index)}: dense {Quoted(op.Name)}, {LayerText(layer)}",
            $"in  {TensorText(input)}",
            $"out {TensorText(output)}",
            $"{Int(input.Shape.Size)} -> {Int(output.Shape.Size)} features; {Count(macs)} MACs",
        };
        UseLayer(layer, $"dense {Int(input.Shape.Size)} -> {Int(output.Shape.Size)}",
            $"codes [{Int(layer.OutChannels)}][{Int(input.Shape.Size)}] (out feature, in feature in HWC order)", input, output, macs);
        // te_dense_lanes takes up to 1024 inputs (truncedge.h) and links no row form beside its lanes
        return AddWeighted(op, "dense", "te_dense", $"{Int(input.Shape.Size)}, {Int(output.Shape.Size)}", op.Input, layer, op.Residual, op.Clamp, macs, comment,
            input.Shape.Size <= DenseLanesMax ? "te_dense_lanes" : "te_dense");
    }

    /// <summary>The most inputs te_dense_lanes takes (TE_DENSE_LANES_MAX, truncedge.h).</summary>
    private const int DenseLanesMax = 1024;

    public OpBlock Visit(MaxPoolOp op)
    {
        var (input, output) = (program.Tensors[op.Input], program.Tensors[op.Output]);
        var paramsIdent = AddPoolParams(op.Index, op.Name, input, output, op.KernelH, op.KernelW, op.StrideH, op.StrideW, op.PadTop, op.PadLeft, []);
        var comment = new List<string>
        {
            $"op {Int(op.Index)}: maxpool {Quoted(op.Name)}",
            $"in  {TensorText(input)}",
            $"out {TensorText(output)}",
            WindowText(op.KernelH, op.KernelW, op.StrideH, op.StrideW, op.PadTop, op.PadLeft),
        };
        Use("te_maxpool", "maxpool");
        return AddBlock(op, comment, Call("te_maxpool", [], $"&{paramsIdent}, {Ref(op.Input)}, {Ref(op.Output)}"));
    }

    public OpBlock Visit(AvgPoolOp op)
    {
        var (input, output) = (program.Tensors[op.Input], program.Tensors[op.Output]);
        var multIdent = names.OpData(op.Index, "mult");
        var shiftIdent = names.OpData(op.Index, "shift");
        // One entry, the full window's, when every window divides by its full size (te_avgpool's
        // count_include_pad): a global pool stores 1 divisor, not H * W.
        var full = op.DividesByFullWindow(input.Shape, output.Shape);
        var n = op.KernelH * op.KernelW;
        var (mult, shift) = full ? (op.Multiplier[^1..], op.Shift[^1..]) : (op.Multiplier, op.Shift);
        if (full && op.IsGlobal(input.Shape, output.Shape))
        {
            // one window over the whole input: te_avgpool_global, without te_avgpool's geometry
            Use("te_avgpool", "avgpool");
            return AddBlock(op,
                [$"op {Int(op.Index)}: avgpool {Quoted(op.Name)} (global)", $"in  {TensorText(input)}", $"out {TensorText(output)}",
                 $"one window over the whole input (divisor {Int(n)})"],
                Call("te_avgpool_global", [],
                    $"{Int(input.Shape.Height * input.Shape.Width)}, {Int(input.Shape.Channels)}, {Int32(mult[0])}, {Int(shift[0])}",
                    $"{Int(output.MaxCode)}, {Ref(op.Input)}, {Ref(op.Output)}"));
        }
        ArrayModel[] arrays =
        [
            new("int32_t", multIdent, Int(mult.Length), Lines(mult.Select(Int32).ToList(), 8)),
            new("int8_t", shiftIdent, Int(shift.Length), Lines(shift.Select(s => Int(s)).ToList(), 16)),
        ];
        var paramsIdent = AddPoolParams(op.Index, op.Name, input, output, op.KernelH, op.KernelW, op.StrideH, op.StrideW, op.PadTop, op.PadLeft, arrays);
        var comment = new List<string>
        {
            $"op {Int(op.Index)}: avgpool {Quoted(op.Name)}",
            $"in  {TensorText(input)}",
            $"out {TensorText(output)}",
            WindowText(op.KernelH, op.KernelW, op.StrideH, op.StrideW, op.PadTop, op.PadLeft) +
            (op.CountIncludePad ? ", padding counts in the divisor"
                : full ? $", every window whole (divisor {Int(n)})" : ", divisor = in-bounds positions"),
        };
        Use("te_avgpool", "avgpool");
        return AddBlock(op, comment, Call("te_avgpool", [],
            $"&{paramsIdent}, {(full ? "1" : "0")}, {multIdent}, {shiftIdent}, {Int(output.MaxCode)}",
            $"{Ref(op.Input)}, {Ref(op.Output)}"));
    }

    public OpBlock Visit(AddOp op)
    {
        var (a, b, output) = (program.Tensors[op.A], program.Tensors[op.B], program.Tensors[op.Output]);
        var comment = new List<string>
        {
            $"op {Int(op.Index)}: add {Quoted(op.Name)}",
            $"a   {TensorText(a)}",
            $"b   {TensorText(b)}",
            $"out {TensorText(output)}",
            $"out = clamp(round_shift(a * {Int(op.MultiplierA)} + b * {Int(op.MultiplierB)}, {Int(op.Shift)}), " +
            $"{Int(op.Clamp.Lo)}, {Int(op.Clamp.Hi)})",
        };
        Use("te_add", "add");
        return AddBlock(op, comment, Call("te_add",
            [$"const te_operand a = {{ {ElemKind(a)}, {Ref(op.A)} }};", $"const te_operand b = {{ {ElemKind(b)}, {Ref(op.B)} }};"],
            $"{Int(output.Shape.Size)}, a, {Int32(op.MultiplierA)}, b, {Int32(op.MultiplierB)}, {Int(op.Shift)}, " +
            $"{Int32(op.Clamp.Lo)}, {Int32(op.Clamp.Hi)}, {Ref(op.Output)}"));
    }

    /// <summary>A Conv or Dense call: <paramref name="kernel"/> is the runtime family (te_conv2d,
    /// te_dense), <paramref name="variant"/> the function called on unpacked codes.</summary>
    private OpBlock AddWeighted(ProgramOp op, string kind, string kernel, string geometry, int input, WeightLayer layer, int? residual,
        ClampRange clamp, long macs, List<string> comment, string? variant = null)
    {
        var output = program.Tensors[op.Output];
        // The table row of the layer's bits: k - 1, or through <prefix>_bits_row when only some k are deployed.
        var row = layer.Pinned ? "0u" : WeightBits.IsAll(program.DeployedBits) ? "bits - 1u" : $"{names.Prefix}_bits_row[bits - 1u]";
        if (residual is { } r)
        {
            comment.Add($"residual {TensorText(program.Tensors[r])}");
        }

        comment.Add($"clamp [{Int(clamp.Lo)}, {Int(clamp.Hi)}]");
        var stored = layer.Storage(out _)!;
        // the row of per-channel constants: the one every k shares, or the k's own (rows follow the steps)
        var channelRow = stored.Rows.Count == 1 ? "0" : "row";
        // one k: its step as constants, no step arrays
        var single = stored.Steps.Count(t => t is not null) == 1 ? stored.Steps.Single(t => t is not null) : null;
        var requantWork = program.RequantWork.First(u => u.Op == op.Index);
        comment.Add($"requantization table expanded into arena + {Int(requantWork.ArenaOffset)}, {Int(requantWork.Bytes)} B (during this call only)");
        _kernels.Add("te_requant");
        var work = program.PackedWork.FirstOrDefault(u => u.Op == op.Index);
        var chunk = PackedCodes.Chunk(program, op);
        if (layer.IsPacked)
        {
            comment.Add(work is null
                ? $"codes read in place from their {Int(layer.StoreBits)}-bit words (no unpacking, no work buffer)"
                : chunk >= output.Shape.Channels
                ? $"codes unpacked from {Int(layer.StoreBits)} bits to arena + {Int(work.ArenaOffset)} at once, {Int(work.Bytes)} B (during this call only)"
                : $"codes unpacked from {Int(layer.StoreBits)} bits {Int(chunk)} channels at a time, in arena + {Int(work.ArenaOffset)}, {Int(work.Bytes)} B (during this call only)");
            // te_unpack_conv2d.c calls a te_conv2d variant, te_unpack_dense.c te_dense: the family needs both
            _kernels.Add("te_unpack");
            _kernels.Add("te_conv2d");
            _kernels.Add("te_dense");
        }
        if (program.Scratch.FirstOrDefault(s => s.Op == op.Index) is { } scratch)
        {
            comment.Add($"kernel scratch {Int(scratch.Bytes)} B at arena + {Int(scratch.ArenaOffset)} (during this call only)");
        }
        TotalMacs += macs;
        Use(kernel, kind);
        var scratchArg = ScratchInit(op) is null ? ", NULL" : ", &scratch";
        var workArgs = !layer.IsPacked ? ""
            : work is null ? $", {UInt(chunk)}, NULL, 0u"
            : $", {UInt(chunk)}, arena + {UInt(work.ArenaOffset)}, {UInt(work.Bytes)}";
        // te_requant_stored: a row of per-channel constants, and the step of these bits (one k: its constants)
        string Channels(string what) => $"{names.Layer(layer.Index, what)}[{channelRow}]";
        string Step(string what, int i) => $"{names.Layer(layer.Index, what)}[row][{Int(i)}]";
        var preShift = stored.Rows.Any(r => r.PreShift is not null) ? Channels("pshift") : "NULL";
        var shift = stored.Rows.Any(r => r.Shift is not null) ? Channels("shift") : "NULL";
        var (rmult, rpshift) = residual is null ? ("NULL", "NULL") : (Channels("rmult"), Channels("rpshift"));
        var (factor, biasShift, shiftAdd, preAdd) = single is null
            ? (Step("kfactor", 0), Step("kshift", 0), Step("kshift", 1), Step("kshift", 2))
            : (Int32(single.Factor), UInt(single.BiasShift), UInt(single.ShiftAdd), UInt(single.PreAdd));
        var setup = new List<string> { $"const uint32_t bits = {(layer.Pinned ? "8u" : $"ctx->layer_bits[{Int(layer.Index)}]")};" };
        if (single is null)
        {
            setup.Add($"const uint32_t row = {row}; /* the table row of these bits */");
        }
        setup.AddRange(
        [
            "const te_requant_stored stored = {",
            $"    {Channels("bias")}, {Channels("mult")}, {preShift}, {shift},",
            $"    {rmult}, {rpshift}, {Int32(clamp.Lo)}, {Int32(clamp.Hi)},",
            $"    {factor}, {biasShift}, {shiftAdd}, {preAdd}",
            "};",
            residual is { } rd
                ? $"const te_operand residual = {{ {ElemKind(program.Tensors[rd])}, {Ref(rd)} }};"
                : "const te_operand residual = { TE_ELEM_NONE, NULL };",
        ]);
        if (ScratchInit(op) is { } scratchInit)
        {
            setup.Add($"const te_scratch scratch = {{ {scratchInit} }};");
        }
        setup.Add("const te_requant *rq;");
        var codes = layer.IsPacked ? $"{names.Layer(layer.Index, "packed")}, {UInt(layer.StoreBits)}" : names.Layer(layer.Index, "codes");
        return AddBlock(op, comment,
            Call("te_requant_expand", setup, $"&stored, {Int(layer.OutChannels)}, arena + {UInt(requantWork.ArenaOffset)}, {UInt(requantWork.Bytes)}, &rq"),
            new KernelCall([], layer.IsPacked ? kernel + "_packed" : variant ?? kernel,
                [$"{geometry}, {Ref(input)}, {codes}, bits, rq, residual",
                 $"{ElemKind(output)}, {Ref(op.Output)}{workArgs}{(kernel == "te_conv2d" ? scratchArg : "")}"],
                WeightedHang));
    }

    /// <summary>Where a weighted call's second argument line starts after the block's indentation:
    /// one column right of te_conv2d's first argument, whatever the variant's name, as the C has
    /// always been printed (unaligned, but the emitted bytes are the contract).</summary>
    private static readonly string WeightedHang = new(' ', 20);

    /// <summary>A call whose argument lines after the first line up under its first argument.</summary>
    private static KernelCall Call(string kernel, IReadOnlyList<string> setup, params string[] arguments) =>
        new(setup, kernel, arguments, new string(' ', $"status = {kernel}(".Length));

    private OpBlock AddBlock(ProgramOp op, IReadOnlyList<string> comment, params KernelCall[] calls)
    {
        var block = new OpBlock(UInt(op.Index), comment, calls, Ref(op.Output), UInt(program.Tensors[op.Output].ByteSize));
        _blocks.Add(block);
        return block;
    }

    /// <summary>"arena + 1024, 19008u" for an op with planned kernel scratch, else null.</summary>
    private string? ScratchInit(ProgramOp op) =>
        program.Scratch.FirstOrDefault(s => s.Op == op.Index) is { } s ? $"arena + {UInt(s.ArenaOffset)}, {UInt(s.Bytes)}" : null;

    private string AddPoolParams(int index, string name, ProgramTensor input, ProgramTensor output,
        int kh, int kw, int sh, int sw, int pt, int pl, IReadOnlyList<ArrayModel> arrays)
    {
        var ident = names.OpData(index, "params");
        var init = $"{{ {Dims(input.Shape)}, {Dims(output.Shape)}, {Int(kh)}, {Int(kw)}, {Int(sh)}, {Int(sw)}, {Int(pt)}, {Int(pl)} }}";
        _data.Add(new OpDataModel($"op {Int(index)}: {Quoted(name)}, te_pool_params {{ in, out, kernel h/w, stride h/w, pad top/left }}",
            new ParamsModel("te_pool_params", ident, init), arrays));
        return ident;
    }

    private void Use(string kernel, string kind)
    {
        _kernels.Add(kernel);
        _opKinds.Add(kind);
    }

    private void UseLayer(WeightLayer layer, string kind, string codes, ProgramTensor input, ProgramTensor output, long macs) =>
        _layers[layer.Index] = _layers.TryGetValue(layer.Index, out var use)
            ? use with { Macs = use.Macs + macs }
            : new LayerUse(kind, codes, ShapeText(input.Shape), ShapeText(output.Shape), macs);

    /// <summary>The C expression for a tensor's data: the caller's input, or a place in the arena.</summary>
    private string Ref(int tensor)
    {
        var t = program.Tensors[tensor];
        return t.Storage == TensorStorage.Input ? "input" : $"arena + {UInt(t.ArenaOffset)}";
    }

    private static string ElemKind(ProgramTensor t) => t.Kind == ElementKind.Code ? "TE_ELEM_CODE" : "TE_ELEM_INT32";

    private static string Dims(TensorShape s) => $"{{ {Int(s.Height)}, {Int(s.Width)}, {Int(s.Channels)} }}";

    private static string WindowText(int kh, int kw, int sh, int sw, int pt, int pl) =>
        $"window {Int(kh)}x{Int(kw)}, stride {Int(sh)}x{Int(sw)}, pad top {Int(pt)} left {Int(pl)}";

    private static string LayerText(WeightLayer l) =>
        l.Pinned ? $"layer {Int(l.Index)} (pinned at 8 bits)" : $"layer {Int(l.Index)} (at ctx->layer_bits[{Int(l.Index)}])";

    /// <summary>t3 "conv1_out" 26x26x8 4-bit codes, arena + 1024, 5408 B.</summary>
    internal static string TensorText(ProgramTensor t)
    {
        var where = t.Storage == TensorStorage.Input ? "caller's input" : $"arena + {Int(t.ArenaOffset)}";
        return $"t{Int(t.Id)} {Quoted(t.Name)} {KindText(t)}, {where}, {Int(t.ByteSize)} B";
    }

    /// <summary>26x26x8 4-bit codes, or 1x1x10 int32 (scale 0.01).</summary>
    internal static string KindText(ProgramTensor t) =>
        t.Kind == ElementKind.Code
            ? $"{ShapeText(t.Shape)} {Int(t.Bits)}-bit codes"
            : $"{ShapeText(t.Shape)} int32 (scale {CFormat.Double(t.Scale)})";

    internal static string ShapeText(TensorShape s) => $"{Int(s.Height)}x{Int(s.Width)}x{Int(s.Channels)}";
}

/// <summary>How a weight layer is used: its kind and code layout (comment text), shapes and MACs.</summary>
internal sealed record LayerUse(string Kind, string Codes, string Input, string Output, long Macs);

/// <summary>C identifiers, from IR indices only (STYLE rule 13): user names never become identifiers.</summary>
internal sealed class Names(string prefix)
{
    public string Prefix => prefix;
    public string Upper => prefix.ToUpperInvariant();

    /// <summary>model_l3_codes, model_l3_bias, ...</summary>
    public string Layer(int index, string what) => $"{prefix}_l{Int(index)}_{what}";

    /// <summary>model_op4_params, model_op4_mult, ...</summary>
    public string OpData(int index, string what) => $"{prefix}_op{Int(index)}_{what}";
}
