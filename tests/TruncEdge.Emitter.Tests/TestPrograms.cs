using TruncEdge.Compiler.Passes;
using TruncEdge.Compiler.Program;

namespace TruncEdge.Emitter.Tests;

/// <summary>
/// Hand-built Programs that cover every op and operand kind: valid geometry and table ranges
/// (the real kernels accept them), arena offsets from a simple sequential plan. Names are
/// deliberately hostile where it matters: user names must only ever reach comments.
/// </summary>
internal static class TestPrograms
{
    /// <summary>Every program, by name, for theories.</summary>
    public static IEnumerable<object[]> All() => Names.Select(n => new object[] { n });

    /// <summary>"name@2,4,8": the program compiled for those weight bit widths only (--deploy-bits);
    /// "name-nopin": every layer free (the pinned ones get their k = 8 table at every k);
    /// "name:sS": the layers that are not pinned stored at S bits (--store-bits), k = 1..S.</summary>
    public static readonly string[] Names = ["vision", "residual", "tiny", "vision@2,4,8", "residual@1,8", "residual-nopin@2,4", "vision:s4", "residual:s3"];

    public static IntegerProgram ByName(string name)
    {
        var store = name.IndexOf(":s", StringComparison.Ordinal);
        if (store >= 0)
        {
            return Stored(ByName(name[..store]), int.Parse(name[(store + 2)..], System.Globalization.CultureInfo.InvariantCulture));
        }

        var at = name.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0)
        {
            return Deployed(ByName(name[..at]), DeployedBits(name));
        }

        if (name.EndsWith("-nopin", StringComparison.Ordinal))
        {
            return Unpinned(ByName(name[..^"-nopin".Length]));
        }

        return name switch
        {
            "vision" => Vision(),
            "residual" => Residual(),
            "tiny" => Tiny(),
            _ => throw new ArgumentException(name, nameof(name)),
        };
    }

    /// <summary>The k after '@' in a program name, or every k.</summary>
    public static IReadOnlyList<int> DeployedBits(string name) =>
        name.IndexOf(":s", StringComparison.Ordinal) is var store and >= 0
            ? Enumerable.Range(1, int.Parse(name[(store + 2)..], System.Globalization.CultureInfo.InvariantCulture)).ToList()
        : name.IndexOf('@', StringComparison.Ordinal) is var at and >= 0
            ? name[(at + 1)..].Split(',').Select(k => int.Parse(k, System.Globalization.CultureInfo.InvariantCulture)).ToList()
            : WeightBits.All;

    /// <summary>The program with no pinned layer: a pinned layer's one table serves every k.</summary>
    public static IntegerProgram Unpinned(IntegerProgram program)
    {
        for (var i = 0; i < program.Layers.Count; i++)
        {
            var l = program.Layers[i];
            if (l.Pinned)
            {
                program.Layers[i] = new WeightLayer
                {
                    Index = l.Index, Name = l.Name, Codes = l.Codes, OutChannels = l.OutChannels, Pinned = false,
                    Tables = Enumerable.Repeat(l.TableFor(8), 8).ToArray(), MeanAbs = l.MeanAbs,
                };
            }
        }

        return program;
    }

    /// <summary>The program with the tables of the given k only, as the compiler's pass leaves it.</summary>
    public static IntegerProgram Deployed(IntegerProgram program, IReadOnlyList<int> bits)
    {
        new SelectDeployedBits().Run(program, new CompilerOptions { DeployBits = bits });
        return program;
    }

    /// <summary>The program with its free layers stored at S bits, as the compiler's passes leave it
    /// (deployed 1..S, and the real arena plan, which places the packed work buffers).</summary>
    public static IntegerProgram Stored(IntegerProgram program, int storeBits)
    {
        var options = new CompilerOptions { StoreBits = storeBits };
        new SelectDeployedBits().Run(program, options);
        new StoreWeightBits().Run(program, options);
        new PlanArena().Run(program);
        new VerifyProgram().Run(program);
        return program;
    }

    /// <summary>Which layers of <see cref="ByName"/> are pinned (for the C smoke test).</summary>
    public static bool[] Pinned(string name) => ByName(name).Layers.Select(l => l.Pinned).ToArray();

    /// <summary>
    /// conv 3x3 (pinned) -> maxpool 2x2 -> depthwise 3x3 -> pointwise 1x1 with a Code residual ->
    /// global avgpool -> dense (pinned) to Int32 logits.
    /// </summary>
    public static IntegerProgram Vision()
    {
        var b = new Builder("vision */ net ??/");
        var x = b.Input(8, 8, 2, "image");
        var c1 = b.Code("conv1 out ü", 8, 8, 4, 4);
        var p1 = b.Code("pool1\nout", 4, 4, 4, 4);
        var d2 = b.Code("dw2 out", 4, 4, 4, 4);
        var p3 = b.Code("pw3 out", 4, 4, 4, 4);
        var g = b.Code("gap out", 1, 1, 4, 4);
        var y = b.Int32("logits", 1, 1, 3, 0.0123);
        var l0 = b.Layer("conv1 */ int evil; /*", pinned: true, outChannels: 4, codes: 4 * 3 * 3 * 2, residual: false);
        var l1 = b.Layer("dw2", pinned: false, outChannels: 4, codes: 4 * 3 * 3 * 1, residual: false);
        var l2 = b.Layer("pw3", pinned: false, outChannels: 4, codes: 4 * 1 * 1 * 4, residual: true);
        var l3 = b.Layer("fc\\", pinned: true, outChannels: 3, codes: 3 * 4, residual: false);
        b.Conv("conv1", x, c1, l0, 3, 1, 1, groups: 1, residual: null, Codes(4));
        b.Ops.Add(new MaxPoolOp { Index = b.Ops.Count, Name = "pool1", Input = c1, Output = p1, KernelH = 2, KernelW = 2, StrideH = 2, StrideW = 2, PadTop = 0, PadLeft = 0 });
        b.Conv("dw2", p1, d2, l1, 3, 1, 1, groups: 4, residual: null, Codes(4));
        b.Conv("pw3", d2, p3, l2, 1, 1, 0, groups: 1, residual: p1, Codes(4));
        b.Ops.Add(new AvgPoolOp
        {
            Index = b.Ops.Count,
            Name = "gap",
            Input = p3,
            Output = g,
            KernelH = 4,
            KernelW = 4,
            StrideH = 1,
            StrideW = 1,
            PadTop = 0,
            PadLeft = 0,
            CountIncludePad = false,
            Multiplier = Enumerable.Range(1, 16).Select(n => (1 << 20) / n).ToArray(),
            Shift = Enumerable.Repeat(20, 16).ToArray(),
        });
        b.Dense("fc", g, y, l3, residual: null, new ClampRange(int.MinValue, int.MaxValue));
        return b.Build(x, y);
    }

    /// <summary>
    /// A ResNet-style block: stem conv, a strided 1x1 shortcut to Int32, a strided 3x3 main path,
    /// an Add of Code and Int32, a 1x1 conv with an Int32 residual, dense to 8-bit Code outputs.
    /// </summary>
    public static IntegerProgram Residual()
    {
        var b = new Builder("residual");
        var x = b.Input(4, 4, 3, "x");
        var s = b.Code("stem", 4, 4, 4, 4);
        var sc = b.Int32("shortcut", 2, 2, 4, 0.002);
        var m = b.Code("main", 2, 2, 4, 4);
        var a = b.Code("sum", 2, 2, 4, 4);
        var f = b.Code("fuse", 2, 2, 4, 4);
        var y = b.Code("probs", 1, 1, 5, 8);
        var l0 = b.Layer("stem", pinned: false, outChannels: 4, codes: 4 * 3 * 3 * 3, residual: false);
        var l1 = b.Layer("shortcut", pinned: false, outChannels: 4, codes: 4 * 4, residual: false);
        var l2 = b.Layer("main", pinned: false, outChannels: 4, codes: 4 * 3 * 3 * 4, residual: false);
        var l3 = b.Layer("fuse", pinned: false, outChannels: 4, codes: 4 * 4, residual: true);
        var l4 = b.Layer("head", pinned: true, outChannels: 5, codes: 5 * 16, residual: false);
        b.Conv("stem", x, s, l0, 3, 1, 1, groups: 1, residual: null, Codes(4));
        b.Conv("shortcut", s, sc, l1, 1, 2, 0, groups: 1, residual: null, new ClampRange(int.MinValue, int.MaxValue));
        b.Conv("main", s, m, l2, 3, 2, 1, groups: 1, residual: null, Codes(4));
        b.Ops.Add(new AddOp
        {
            Index = b.Ops.Count,
            Name = "add",
            A = m,
            B = sc,
            Output = a,
            MultiplierA = 1 << 14,
            MultiplierB = -(1 << 10),
            Shift = 14,
            Clamp = Codes(4),
        });
        b.Conv("fuse", a, f, l3, 1, 1, 0, groups: 1, residual: sc, Codes(4));
        b.Dense("head", f, y, l4, residual: null, Codes(8));
        return b.Build(x, y);
    }

    /// <summary>The golden-file program: conv 3x3 (pinned) to 2-bit codes, dense to Int32.</summary>
    public static IntegerProgram Tiny()
    {
        var b = new Builder("tiny");
        var x = b.Input(4, 4, 1, "input");
        var c = b.Code("conv_out", 4, 4, 2, 2);
        var y = b.Int32("logits", 1, 1, 3, 0.5);
        var l0 = b.Layer("conv", pinned: true, outChannels: 2, codes: 2 * 3 * 3 * 1, residual: false);
        var l1 = b.Layer("fc", pinned: false, outChannels: 3, codes: 3 * 32, residual: false);
        b.Conv("conv", x, c, l0, 3, 1, 1, groups: 1, residual: null, Codes(2));
        b.Dense("fc", c, y, l1, residual: null, new ClampRange(int.MinValue, int.MaxValue));
        var p = b.Build(x, y);
        p.Provenance["onnx.producer"] = "pytorch 2.4";
        p.Provenance["activation.bits"] = "2";
        return p;
    }

    private static ClampRange Codes(int bits) => new(0, (1 << bits) - 1);

    private sealed class Builder(string name)
    {
        public List<ProgramTensor> Tensors { get; } = [];
        public List<WeightLayer> Layers { get; } = [];
        public List<ProgramOp> Ops { get; } = [];

        public int Input(int h, int w, int c, string tensorName)
        {
            var id = Code(tensorName, h, w, c, 8);
            Tensors[id].Storage = TensorStorage.Input;
            return id;
        }

        public int Code(string tensorName, int h, int w, int c, int bits) =>
            Add(tensorName, new TensorShape(h, w, c), ElementKind.Code, bits, 1.0 / ((1 << bits) - 1));

        public int Int32(string tensorName, int h, int w, int c, double scale) =>
            Add(tensorName, new TensorShape(h, w, c), ElementKind.Int32, 32, scale);

        private int Add(string tensorName, TensorShape shape, ElementKind kind, int bits, double scale)
        {
            Tensors.Add(new ProgramTensor { Id = Tensors.Count, Name = tensorName, Shape = shape, Kind = kind, Bits = bits, Scale = scale });
            return Tensors.Count - 1;
        }

        public int Layer(string layerName, bool pinned, int outChannels, int codes, bool residual)
        {
            var index = Layers.Count;
            var tables = new RequantTable?[8];
            for (var k = 1; k <= 8; k++)
            {
                if (pinned && k != 8)
                {
                    continue;
                }

                tables[k - 1] = new RequantTable
                {
                    Bias = Enumerable.Range(0, outChannels).Select(c => c == 0 && index == 0 ? -(1L << 50) : (c - 1) * 37L * k << 19).ToArray(), // int32 times 2^19: storable
                    Multiplier = Enumerable.Range(0, outChannels).Select(c => (1 << 18) + c * 1000 + k * 7 - (c == 1 ? 1 << 19 : 0)).ToArray(),
                    Shift = Enumerable.Range(0, outChannels).Select(c => 18 + (c + k) % 5).ToArray(),
                    PreShift = new int[outChannels],
                    ResidualMultiplier = residual ? Enumerable.Range(0, outChannels).Select(c => (1 << 16) + c * 3 + k).ToArray() : null,
                    ResidualPreShift = residual ? new int[outChannels] : null,
                };
            }

            Layers.Add(new WeightLayer
            {
                Index = index,
                Name = layerName,
                Codes = Enumerable.Range(0, codes).Select(i => (byte)((i * 37 + 11 + index * 101) % 256)).ToArray(),
                OutChannels = outChannels,
                Pinned = pinned,
                Tables = tables,
                MeanAbs = 0.0625 + index / 64.0,
            });
            return index;
        }

        public void Conv(string opName, int input, int output, int layer, int k, int stride, int pad, int groups, int? residual, ClampRange clamp) =>
            Ops.Add(new ConvOp
            {
                Index = Ops.Count,
                Name = opName,
                Input = input,
                Output = output,
                Layer = layer,
                KernelH = k,
                KernelW = k,
                StrideH = stride,
                StrideW = stride,
                PadTop = pad,
                PadLeft = pad,
                Groups = groups,
                Residual = residual,
                Clamp = clamp,
            });

        public void Dense(string opName, int input, int output, int layer, int? residual, ClampRange clamp) =>
            Ops.Add(new DenseOp { Index = Ops.Count, Name = opName, Input = input, Output = output, Layer = layer, Residual = residual, Clamp = clamp });

        /// <summary>A sequential arena plan (no reuse), every tensor 8-byte aligned, then each op's
        /// requantization work buffer.</summary>
        public IntegerProgram Build(int input, int output)
        {
            var offset = 0;
            foreach (var t in Tensors.Where(t => t.Storage == TensorStorage.Arena))
            {
                t.ArenaOffset = offset;
                offset += (t.ByteSize + 7) / 8 * 8;
            }

            var program = new IntegerProgram
            {
                Name = name,
                Tensors = Tensors,
                Layers = Layers,
                Ops = Ops,
                Input = input,
                Output = output,
                ArenaLowerBound = offset,
            };
            foreach (var op in Ops.Where(op => StoredRequant.WorkBytes(program, op) > 0))
            {
                program.RequantWork.Add(new ScratchBlock(op.Index, StoredRequant.WorkBytes(program, op)) { ArenaOffset = offset });
                offset += StoredRequant.WorkBytes(program, op);
            }
            program.ArenaSize = offset;
            return program;
        }
    }
}
