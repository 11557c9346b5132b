using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using TruncEdge.Compiler;
using TruncEdge.Compiler.Program;
using TruncEdge.Toolchain;
using TruncEdge.Toolchain.Benchmarking;

namespace TruncEdge.Cli.Commands;

/// <summary>`truncedge bench MODEL --target T`: exact instruction counts per inference and layer, flash and RAM.</summary>
public sealed class BenchCommand(CommandContext context)
{
    public Command Build()
    {
        var model = CommonOptions.Model();
        var target = CommonOptions.Target();
        target.DefaultValueFactory = _ => "cortex-m4";
        var bits = CommonOptions.Bits("every deployed bit width");
        var compile = new CompileChoices();
        var json = CommonOptions.Json();
        var command = new Command("bench", "Exact instruction counts per inference and per layer at each weight bit width, and flash/RAM from the ELF (QEMU targets)")
            { model, target, bits, json };
        compile.AddTo(command);
        command.SetAction(r => context.Guard(r, () =>
        {
            var catalog = TargetCatalog.LoadDefault();
            var t = catalog.Get(r.GetValue(target)!);
            var compilerOptions = compile.Read(r);
            var requested = CommonOptions.ParseOptionalBits(r.GetValue(bits));
            var compiled = new ModelCompiler().CompileFile(r.GetValue(model)!, compilerOptions);
            var bitList = CommonOptions.RunBits(requested, compiled.Program, deployed => deployed);
            var report = context.Console.Profile.Capabilities.Interactive
                ? context.Console.Status().Start($"building and counting on {t.Name}", _ => new ModelBench(catalog).Run(compiled, t, bitList))
                : new ModelBench(catalog).Run(compiled, t, bitList);
            if (r.GetValue(json))
            {
                Console.Out.WriteLine(System.Text.Json.JsonSerializer.Serialize(report, new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
                return ExitCodes.Ok;
            }
            Render(report);
            return ExitCodes.Ok;
        }));
        return command;
    }

    private void Render(BenchReport report)
    {
        var c = context.Console;
        c.MarkupLine($"[bold]{Markup.Escape(report.Target)}[/] (stands for {Markup.Escape(report.Board)}); exact instruction counts under QEMU");
        var summary = new Table().Border(TableBorder.Rounded).AddColumns("weight bits", "instructions / inference", "MACs", "instructions / MAC");
        foreach (var b in report.Costs)
            summary.AddRow(b.Bits.ToString(CultureInfo.InvariantCulture), N(b.Total), N(b.Macs), b.InstructionsPerMac.ToString("0.00", CultureInfo.InvariantCulture));
        c.Write(summary);

        var perOp = new Table().Border(TableBorder.Rounded).AddColumns("#", "op", "name", "MACs");
        foreach (var b in report.Costs) perOp.AddColumn($"{b.Bits}-bit instr/MAC");
        for (var i = 0; i < report.Costs[0].Ops.Count; i++)
        {
            var op = report.Costs[0].Ops[i];
            var cells = new List<string> { i.ToString(CultureInfo.InvariantCulture), op.Kind, Markup.Escape(op.Name), N(op.Macs) };
            cells.AddRange(report.Costs.Select(b => b.Ops[i].InstructionsPerMac is { } v ? v.ToString("0.00", CultureInfo.InvariantCulture) : N(b.Ops[i].Instructions)));
            perOp.AddRow(cells.ToArray());
        }
        c.Write(perOp);
        c.MarkupLine("[grey]per-op figures include the few instructions of the trace hook that marks op boundaries; totals are exact and untraced[/]");

        // The kernel paths each op ran, per k (fixed by the model, target and k; docs/runtime-c.md).
        var paths = new Table().Border(TableBorder.Rounded).AddColumns("#", "op");
        foreach (var b in report.Costs) paths.AddColumn($"{b.Bits}-bit kernel paths");
        for (var i = 0; i < report.Costs[0].Ops.Count; i++)
        {
            if (report.Costs.All(b => b.Ops[i].Paths.Count == 0)) continue;
            var cells = new List<string> { i.ToString(CultureInfo.InvariantCulture), report.Costs[0].Ops[i].Kind };
            cells.AddRange(report.Costs.Select(b => Markup.Escape(string.Join(" ", b.Ops[i].Paths))));
            paths.AddRow(cells.ToArray());
        }
        c.Write(paths);

        var s = report.Size;
        var mem = new Table().Border(TableBorder.Rounded).AddColumns("memory", "bytes");
        mem.AddRow("flash: code", N(s.Code));
        if (s.RuntimeCode is { } runtime) mem.AddRow("  of which TruncEdge runtime kernels (linked)", N(runtime));
        mem.AddRow(report.StoreBits == 8 ? "flash: weights (8-bit codes)" : $"flash: weights (top {report.StoreBits} bits of each code, packed; pinned layers 8)",
            $"{N(s.Weights)} for {N(report.Parameters)} weights");
        mem.AddRow("flash: other constants (tables)", N(s.Constants));
        mem.AddRow($"  of which requantization tables, k = {WeightBits.Text(report.DeployedBits)}", N(report.TableBytes));
        mem.AddRow("flash: initialised data", N(s.DataInit));
        mem.AddRow("[bold]flash total[/]", N(s.FlashBytes));
        mem.AddRow("RAM: arena", $"{N(s.Arena)} (plan {N(report.ArenaBytes)}, lower bound {N(report.ArenaLowerBound)}" +
            (report.PackedWorkBytes > 0 ? $"; includes packed-layer work buffers, up to {N(report.PackedWorkBytes)} per op)" : ")"));
        mem.AddRow("RAM: stack (reserved / used)", $"{N(s.Stack)} / {N(report.StackBytesUsed)}");
        mem.AddRow("RAM: other data", N(s.OtherData));
        mem.AddRow("[bold]RAM total[/] (reserved)", N(s.RamBytes));
        mem.AddRow("[bold]RAM in use[/] (arena with kernel scratch and packed work + stack used + other data)",
            N(s.Arena + report.StackBytesUsed + s.OtherData));
        c.Write(mem);
    }

    private static string N(long v) => v.ToString("N0", CultureInfo.InvariantCulture);
    private static string N(ulong v) => v.ToString("N0", CultureInfo.InvariantCulture);
}
