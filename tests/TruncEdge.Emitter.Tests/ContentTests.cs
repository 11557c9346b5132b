using System.Text.RegularExpressions;
using TruncEdge.Compiler.Program;
using TruncEdge.Model.Diagnostics;

namespace TruncEdge.Emitter.Tests;

/// <summary>What the generated header and source say: the API shape the harness and the
/// toolchain depend on, identifiers from IR indices, tables in the documented layout.</summary>
public class ContentTests
{
    [Theory]
    [InlineData("model")]
    [InlineData("kws")]
    public void HeaderHasTheDocumentedApi(string prefix)
    {
        var h = Emit.Folder(TestPrograms.Vision(), Emit.Options with { Prefix = prefix })[prefix + ".h"].Content;
        var u = prefix.ToUpperInvariant();
        string[] expected =
        [
            "#include \"truncedge.h\"",
            $"size_t {prefix}_arena_size(void);",
            $"te_status {prefix}_init({prefix}_context *ctx, uint8_t *arena, size_t arena_size);",
            $"te_status {prefix}_set_weight_bits({prefix}_context *ctx, uint32_t bits);",
            $"te_status {prefix}_set_layer_bits({prefix}_context *ctx, uint32_t layer, uint32_t bits);",
            $"te_status {prefix}_get_layer_bits(const {prefix}_context *ctx, uint32_t layer, uint32_t *bits);",
            $"te_status {prefix}_set_trace({prefix}_context *ctx, te_trace_fn fn, void *user);",
            $"te_status {prefix}_invoke({prefix}_context *ctx, const uint8_t *input, int32_t *output);",
            $"typedef struct {prefix}_context {{",
            $"}} {prefix}_context;",
            $"#define {u}_INPUT_SIZE 128u",
            $"#define {u}_INPUT_HEIGHT 8u",
            $"#define {u}_INPUT_WIDTH 8u",
            $"#define {u}_INPUT_CHANNELS 2u",
            $"#define {u}_OUTPUT_SIZE 3u",
            $"#define {u}_OUTPUT_CHANNELS 3u",
            $"#define {u}_OUTPUT_SCALE 0.0123",
            $"#define {u}_LAYER_COUNT 4u",
            $"#define {u}_OP_COUNT 6u",
            $"#define {u}_LAYER_0_PINNED 1u",
            $"#define {u}_LAYER_1_PINNED 0u",
            $"#define {u}_LAYER_3_PINNED 1u",
            "#ifdef TE_HARNESS",
            $"#define TE_MODEL_CONTEXT {prefix}_context",
            $"#define TE_MODEL_INIT {prefix}_init",
            $"#define TE_MODEL_ARENA_SIZE {u}_ARENA_SIZE",
            $"#define TE_MODEL_SET_WEIGHT_BITS {prefix}_set_weight_bits",
            $"#define TE_MODEL_SET_TRACE {prefix}_set_trace",
            $"#define TE_MODEL_INVOKE {prefix}_invoke",
            $"#define TE_MODEL_INPUT_SIZE {u}_INPUT_SIZE",
            $"#define TE_MODEL_OUTPUT_SIZE {u}_OUTPUT_SIZE",
            $"#define TE_MODEL_OP_COUNT {u}_OP_COUNT",
        ];
        foreach (var line in expected)
        {
            Assert.Contains(line, h, StringComparison.Ordinal);
        }

        Assert.Matches(new Regex($@"#define {u}_ARENA_SIZE \d+u\n"), h);
        foreach (var field in new[] { "uint8_t *arena;", "size_t arena_size;", $"uint8_t layer_bits[{u}_LAYER_COUNT];", "te_trace_fn trace;", "void *trace_user;", "uint32_t magic;" })
        {
            Assert.Contains(field, h, StringComparison.Ordinal);
        }

        if (prefix != "model")
        {
            Assert.DoesNotMatch(new Regex("(?<![A-Za-z0-9_])(model_|MODEL_)"), h);
        }
    }

    [Fact]
    public void UserNamesReachCommentsOnlyAndCannotBreakThem()
    {
        var c = Emit.Folder(TestPrograms.Vision())["model.c"].Content;
        // The layer called "conv1 */ int evil; /*" is printed, defused, inside a comment.
        Assert.Contains("\"conv1 * / int evil; / *\"", c, StringComparison.Ordinal);
        Assert.DoesNotContain("*/ int evil", c, StringComparison.Ordinal);
        Assert.DoesNotContain("??/", c, StringComparison.Ordinal);
        // Identifiers come from IR indices.
        Assert.Contains("static const uint8_t model_l0_codes[72] = {", c, StringComparison.Ordinal);
        Assert.DoesNotContain("model_conv1", c, StringComparison.Ordinal);
        // Outside comments, only ASCII.
        Assert.All(c, ch => Assert.True(ch is '\n' || ch is >= ' ' and <= '~', $"non-ASCII or control character U+{(int)ch:X4}"));
    }

    [Fact]
    public void TablesHaveEightRowsOrOneForAPinnedLayer()
    {
        var c = Emit.Folder(TestPrograms.Vision())["model.c"].Content;
        // Stored tables (te_requant_stored): int32 biases, no pre-shift array when all are 0, a
        // factor and three shifts per k.
        Assert.Contains("static const int32_t model_l0_bias[1][4] = {", c, StringComparison.Ordinal);
        Assert.Contains("static const int32_t model_l1_mult[8][4] = {", c, StringComparison.Ordinal);
        Assert.Contains("static const int8_t model_l1_shift[8][4] = {", c, StringComparison.Ordinal);
        Assert.Contains("static const int32_t model_l1_kfactor[8][1] = {", c, StringComparison.Ordinal);
        Assert.Contains("static const uint8_t model_l1_kshift[8][3] = {", c, StringComparison.Ordinal);
        Assert.Contains("static const int32_t model_l2_rmult[8][4] = {", c, StringComparison.Ordinal);
        Assert.DoesNotContain("model_l1_rmult", c, StringComparison.Ordinal);
        Assert.DoesNotContain("_pshift", c, StringComparison.Ordinal);
        Assert.Contains("static const int32_t model_l3_bias[1][3] = {", c, StringComparison.Ordinal);
        // -2^50 is stored as -2^31 times 2^19
        Assert.Contains("{ /* k = 8 */\n        (-2147483647 - 1),", c, StringComparison.Ordinal);
        Assert.DoesNotContain("model_l0_kshift", c, StringComparison.Ordinal); // one k: constants at the call

        // Pinned layers run at the constant 8 on row 0; the others at their current bits.
        Assert.Contains("const uint32_t bits = 8u;\n        const te_requant_stored stored = {\n            model_l0_bias[0], model_l0_mult[0], NULL, model_l0_shift[0],\n" +
                        "            NULL, NULL, 0, 15,\n            1073741824, 19u, 0u, 0u\n", c, StringComparison.Ordinal);
        Assert.Contains("const uint32_t bits = ctx->layer_bits[1];\n        const uint32_t row = bits - 1u; /* the table row of these bits */\n" +
                        "        const te_requant_stored stored = {\n            model_l1_bias[row], model_l1_mult[row], NULL, model_l1_shift[row],", c, StringComparison.Ordinal);
        Assert.Contains("model_l1_kfactor[row][0], model_l1_kshift[row][0], model_l1_kshift[row][1], model_l1_kshift[row][2]", c, StringComparison.Ordinal);
        Assert.Contains("model_l2_rmult[row], model_l2_rpshift[row]", c, StringComparison.Ordinal);
    }

    [Fact]
    public void ADeployedSetKeepsOneRowPerDeployedKAndMapsKToItsRow()
    {
        var folder = Emit.Folder(TestPrograms.ByName("vision@2,4,8"));
        var (c, h) = (folder["model.c"].Content, folder["model.h"].Content);
        Assert.Contains("static const int32_t model_l0_bias[1][4] = {", c, StringComparison.Ordinal);
        Assert.Contains("static const int32_t model_l1_mult[3][4] = {", c, StringComparison.Ordinal);
        Assert.Contains("static const int8_t model_l1_shift[3][4] = {", c, StringComparison.Ordinal);
        Assert.Contains("static const uint8_t model_l1_kshift[3][3] = {", c, StringComparison.Ordinal);
        Assert.Contains("static const int32_t model_l2_rmult[3][4] = {", c, StringComparison.Ordinal);
        Assert.Contains("static const int8_t model_l2_rpshift[3][4] = {", c, StringComparison.Ordinal);
        var l1 = c[c.IndexOf("model_l1_bias[3][4]", StringComparison.Ordinal)..c.IndexOf("model_l1_mult[3][4]", StringComparison.Ordinal)];
        Assert.Equal(["2", "4", "8"], Regex.Matches(l1, @"/\* k = (\d) \*/").Select(m => m.Groups[1].Value));

        // k to row: 0xFF for a k that is not deployed, refused before it indexes a table.
        Assert.Contains("static const uint8_t model_bits_row[8] = { 0xFFu, 0u, 0xFFu, 1u, 0xFFu, 0xFFu, 0xFFu, 2u };", c, StringComparison.Ordinal);
        Assert.Contains("const uint32_t row = model_bits_row[bits - 1u]; /* the table row of these bits */", c, StringComparison.Ordinal);
        Assert.Contains("model_l1_bias[row], model_l1_mult[row], NULL, model_l1_shift[row],", c, StringComparison.Ordinal);
        Assert.Contains("model_l2_rmult[row], model_l2_rpshift[row]", c, StringComparison.Ordinal);
        Assert.Contains("model_l0_bias[0], model_l0_mult[0], NULL, model_l0_shift[0],", c, StringComparison.Ordinal);
        Assert.DoesNotContain("[bits - 1u]", c.Replace("model_bits_row[bits - 1u]", "", StringComparison.Ordinal), StringComparison.Ordinal);

        // The setters and invoke refuse another k with their own status; the header says which k.
        Assert.Equal(3, Regex.Matches(c, "return TE_ERR_BITS_NOT_DEPLOYED;").Count);
        Assert.Contains("#define MODEL_DEPLOYED_BITS_MASK 0x8Au\n", h, StringComparison.Ordinal);
        Assert.Contains("#define MODEL_LAYER_1_PINNED 0u /* \"dw2\": depthwise conv2d 3x3, 2, 4, 8 bits */", h, StringComparison.Ordinal);
        Assert.Contains("MODEL_DEPLOYED_BITS_MASK", folder["README.md"].Content, StringComparison.Ordinal);
        Assert.Contains("ctx->layer_bits[i] = 8u;", c, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryKDeployedPrintsNoMappingAndNoMask()
    {
        var folder = Emit.Folder(TestPrograms.Vision());
        foreach (var file in new[] { "model.c", "model.h", "README.md" })
        {
            Assert.DoesNotContain("DEPLOYED", folder[file].Content, StringComparison.Ordinal);
            Assert.DoesNotContain("bits_row", folder[file].Content, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void WithoutEightInitStartsAtTheHighestDeployedK()
    {
        var folder = Emit.Folder(TestPrograms.ByName("residual-nopin@2,4"));
        Assert.Contains("ctx->layer_bits[i] = 4u;", folder["model.c"].Content, StringComparison.Ordinal);
        Assert.Contains("#define MODEL_DEPLOYED_BITS_MASK 0x0Au\n", folder["model.h"].Content, StringComparison.Ordinal);
        Assert.Contains("every layer at 4 bits (the highest deployed k)", folder["model.h"].Content, StringComparison.Ordinal);
    }

    [Fact]
    public void EachConvCallsTheVariantItsShapeNeeds()
    {
        // vision:s4 has its arena planned: the groups == 1 convs get scratch and call te_conv2d_block,
        // the depthwise one te_conv2d_depthwise (packed layers pass the variant to te_conv2d_packed),
        // so that a firmware links neither te_conv2d's dispatch nor the variants it does not use.
        var c = Emit.Folder(TestPrograms.ByName("vision:s4"))["model.c"].Content;
        var body = c[c.IndexOf("te_status model_invoke(", StringComparison.Ordinal)..];
        var calls = Regex.Matches(body, @"status = (te_conv2d\w*|te_dense\w*)\((te_conv2d\w*, )?").Select(m => m.Groups[1].Value + (m.Groups[2].Success ? "(" + m.Groups[2].Value.TrimEnd(',', ' ') : "")).ToList();
        Assert.Equal(["te_conv2d_block", "te_conv2d_packed(te_conv2d_depthwise", "te_conv2d_packed(te_conv2d_block", "te_dense_lanes"], calls);
    }

    [Fact]
    public void InvokeCallsOneKernelPerOpInOrderWithTraceAndStatus()
    {
        var p = TestPrograms.Residual();
        var c = Emit.Folder(p)["model.c"].Content;
        var body = c[c.IndexOf("te_status model_invoke(", StringComparison.Ordinal)..];
        var calls = Regex.Matches(body, @"status = (te_\w+)\(").Select(m => m.Groups[1].Value).ToList();
        // each Conv and Dense expands its stored table first
        Assert.Equal(["te_requant_expand", "te_conv2d", "te_requant_expand", "te_conv2d", "te_requant_expand", "te_conv2d", "te_add",
                      "te_requant_expand", "te_conv2d", "te_requant_expand", "te_dense_lanes"], calls);
        Assert.Equal(calls.Count, Regex.Matches(body, @"if \(status != TE_OK\) \{\n\s+return status;").Count);
        var traces = Regex.Matches(body, @"ctx->trace\(ctx->trace_user, (\d+)u, arena \+ (\d+)u, (\d+)u\);").ToList();
        Assert.Equal(Enumerable.Range(0, p.Ops.Count).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), traces.Select(m => m.Groups[1].Value));
        for (var i = 0; i < p.Ops.Count; i++)
        {
            var t = p.Tensors[p.Ops[i].Output];
            Assert.Equal(t.ArenaOffset.ToString(System.Globalization.CultureInfo.InvariantCulture), traces[i].Groups[2].Value);
            Assert.Equal(t.ByteSize.ToString(System.Globalization.CultureInfo.InvariantCulture), traces[i].Groups[3].Value);
        }

        // The stem reads the caller's input; the Int32 shortcut is an operand of the Add and a residual.
        Assert.Contains("status = te_conv2d(&model_op0_params, input, model_l0_codes, bits, rq, residual,", body, StringComparison.Ordinal);
        var sc = p.Tensors[p.Ops[1].Output].ArenaOffset.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains($"const te_operand b = {{ TE_ELEM_INT32, arena + {sc}u }};", body, StringComparison.Ordinal);
        Assert.Contains($"const te_operand residual = {{ TE_ELEM_INT32, arena + {sc}u }};", body, StringComparison.Ordinal);
        Assert.Contains("status = te_add(16, a, 16384, b, -1024, 14, 0, 15, arena + ", body, StringComparison.Ordinal);
        Assert.Contains("(-2147483647 - 1), 2147483647", body, StringComparison.Ordinal);
    }

    [Fact]
    public void OutputIsWidenedCodesOrCopiedInt32()
    {
        var codes = Emit.Folder(TestPrograms.Residual())["model.c"].Content;
        Assert.Contains("output[i] = (int32_t)result[i];", codes, StringComparison.Ordinal);
        var ints = Emit.Folder(TestPrograms.Vision())["model.c"].Content;
        Assert.Contains("const int32_t *result = (const int32_t *)(const void *)(arena + ", ints, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("vision")]
    [InlineData("vision@2,4,8")]
    public void NoFloatingPointOrHeapInTheModelSource(string program)
    {
        var c = Emit.Folder(TestPrograms.ByName(program))["model.c"].Content;
        var code = Regex.Replace(c, @"/\*.*?\*/", "", RegexOptions.Singleline);
        foreach (var banned in new[] { "float", "double", "malloc", "free(", "printf", "static uint8_t", "static int32_t" })
        {
            Assert.DoesNotContain(banned, code, StringComparison.Ordinal);
        }

        // Every file-scope object is static const (no global mutable state).
        var fileScope = Regex.Matches(code, @"^static (?!const )(?!int \w+_bits_(allowed|deployed)\()", RegexOptions.Multiline);
        Assert.Empty(fileScope);
    }
}

public class ProgramCheckTests
{
    [Fact]
    public void ALayerWithoutAllEightTablesIsACompilerBug()
    {
        var p = TestPrograms.Tiny();
        p.Layers[1].Tables[2] = null;
        var e = Assert.Throws<InvalidOperationException>(() => Emit.Folder(p));
        Assert.Contains("k = 3", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ATableForAKThatIsNotDeployedIsACompilerBug()
    {
        var p = TestPrograms.ByName("tiny@2,8");
        p.Layers[1].Tables[2] = p.Layers[1].Tables[1];
        var e = Assert.Throws<InvalidOperationException>(() => Emit.Folder(p));
        Assert.Contains("more than the k it runs at", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void APinnedLayerStoredBelowEightBitsIsACompilerBug()
    {
        var p = TestPrograms.Tiny();
        p.Layers.First(l => l.Pinned).StoreBits = 4;
        var e = Assert.Throws<InvalidOperationException>(() => Emit.Folder(p));
        Assert.Contains("8 when pinned", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void APackedLayerWithoutItsPackedWorkBufferIsACompilerBug()
    {
        // (3 bits: tiny's dense layer at 4 bits would read its words in place and need no buffer)
        var p = TestPrograms.Tiny();
        p.DeployedBits = [2];
        foreach (var l in p.Layers.Where(l => !l.Pinned))
        {
            l.StoreBits = 3;
            for (var k = 1; k <= 8; k++)
            {
                if (k != 2) l.Tables[k - 1] = null;
            }
        }
        var e = Assert.Throws<InvalidOperationException>(() => Emit.Folder(p));
        Assert.Contains("no work buffer", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void APreShiftOutsideItsRangeIsACompilerBug()
    {
        var p = TestPrograms.Tiny();
        p.Layers[1].Tables[3]!.PreShift[1] = 63;
        var e = Assert.Throws<InvalidOperationException>(() => Emit.Folder(p));
        Assert.Contains("pre-shift", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnUnplannedArenaIsACompilerBug()
    {
        var p = TestPrograms.Tiny();
        p.Tensors[1].ArenaOffset = -1;
        Assert.Throws<InvalidOperationException>(() => Emit.Folder(p));
    }

    [Fact]
    public void AMisalignedInt32TensorIsACompilerBug()
    {
        var p = TestPrograms.Tiny();
        p.Tensors[2].ArenaOffset += 2;
        p.ArenaSize += 8;
        var e = Assert.Throws<InvalidOperationException>(() => Emit.Folder(p));
        Assert.Contains("unaligned", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WrongCodeCountIsACompilerBug()
    {
        var p = TestPrograms.Tiny();
        var l = p.Layers[0];
        p.Layers[0] = new WeightLayer { Index = 0, Name = l.Name, Codes = l.Codes[..^2], OutChannels = l.OutChannels, Pinned = l.Pinned, Tables = l.Tables, MeanAbs = l.MeanAbs };
        Assert.Throws<InvalidOperationException>(() => Emit.Folder(p));
    }

    [Fact]
    public void AModelWithoutWeightLayersIsADiagnostic()
    {
        var input = new ProgramTensor { Id = 0, Name = "x", Shape = new(4, 4, 1), Kind = ElementKind.Code, Bits = 8, Scale = 1 / 255.0, Storage = TensorStorage.Input };
        var pooled = new ProgramTensor { Id = 1, Name = "y", Shape = new(2, 2, 1), Kind = ElementKind.Code, Bits = 8, Scale = 1 / 255.0, ArenaOffset = 0 };
        var p = new IntegerProgram
        {
            Name = "pool-only",
            Tensors = [input, pooled],
            Layers = [],
            Ops = [new MaxPoolOp { Index = 0, Name = "pool", Input = 0, Output = 1, KernelH = 2, KernelW = 2, StrideH = 2, StrideW = 2, PadTop = 0, PadLeft = 0 }],
            Input = 0,
            Output = 1,
            ArenaSize = 8,
        };
        var e = Assert.Throws<DiagnosticException>(() => Emit.Folder(p));
        Assert.Equal(EmitterDiagnosticCodes.NoWeightLayers, e.Diagnostic.Code);
    }
}
