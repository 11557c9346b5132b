using System.Globalization;
using System.Text.Json;
using Spectre.Console;
using TruncEdge.Compiler;
using TruncEdge.Compiler.Program;

namespace TruncEdge.Cli.Presentation;

/// <summary>Tables and JSON for a compiled model (inspect, compile).</summary>
public static class ProgramReport
{
    public static void Render(IAnsiConsole console, CompiledModel compiled)
    {
        var p = compiled.Program;
        var stats = ProgramStatistics.PerOp(p);
        var input = p.InputTensor.Shape;
        var output = p.OutputTensor;
        console.MarkupLine($"[bold]{Markup.Escape(Path.GetFileName(compiled.SourcePath))}[/]  sha256 {compiled.Sha256[..16]}…");
        console.MarkupLine($"input  {input} uint8 codes (real = code/255), output {output.Shape} {(output.Kind == ElementKind.Code ? $"{output.Bits}-bit codes" : "int32")}");

        var table = new Table().Border(TableBorder.Rounded)
            .AddColumns("#", "op", "name", "input", "output", "MACs", "weights B", "tables B", "bits", "stored");
        foreach (var s in stats)
        {
            var bits = s.Layer is null ? "" : s.Pinned ? "8 (pinned)" : WeightBits.Text(p.DeployedBits);
            table.AddRow(s.Index.ToString(CultureInfo.InvariantCulture), s.Kind, Markup.Escape(Shorten(s.Name)), s.Input.ToString(), s.Output.ToString(),
                Num(s.Macs), Num(s.WeightBytes), Num(s.TableBytes), bits,
                s.Layer is { } l ? p.Layers[l].StoreBits.ToString(CultureInfo.InvariantCulture) : "");
        }
        console.Write(table);

        var summary = new Table().Border(TableBorder.Simple).AddColumns("", "value");
        summary.AddRow("MACs per inference", Num(ProgramStatistics.TotalMacs(p)));
        var store = ProgramStatistics.StoreBits(p);
        summary.AddRow(store == 8 ? "weights (8-bit codes, stored once)" : $"weights (top {store} bits of each code, packed; pinned layers 8)",
            $"{Num(ProgramStatistics.WeightBytes(p))} B for {Num(ProgramStatistics.Parameters(p))} weights");
        summary.AddRow("requantization tables", $"{Num(ProgramStatistics.TableBytes(p))} B");
        summary.AddRow("deployed weight bits", WeightBits.Text(p.DeployedBits));
        summary.AddRow("arena (planned)", $"{Num(p.ArenaSize)} B");
        summary.AddRow("arena lower bound", $"{Num(p.ArenaLowerBound)} B");
        console.Write(summary);
    }

    public static string ToJson(CompiledModel compiled)
    {
        var p = compiled.Program;
        var doc = new
        {
            model = Path.GetFileName(compiled.SourcePath),
            sha256 = compiled.Sha256,
            input = new { p.InputTensor.Shape.Height, p.InputTensor.Shape.Width, p.InputTensor.Shape.Channels },
            output = new { p.OutputTensor.Shape.Height, p.OutputTensor.Shape.Width, p.OutputTensor.Shape.Channels, kind = p.OutputTensor.Kind.ToString(), scale = p.OutputTensor.Scale },
            macs = ProgramStatistics.TotalMacs(p),
            weightBytes = ProgramStatistics.WeightBytes(p),
            parameters = ProgramStatistics.Parameters(p),
            storeBits = ProgramStatistics.StoreBits(p),
            tableBytes = ProgramStatistics.TableBytes(p),
            deployedBits = p.DeployedBits,
            arenaBytes = p.ArenaSize,
            arenaLowerBound = p.ArenaLowerBound,
            ops = ProgramStatistics.PerOp(p).Select(s => new
            {
                index = s.Index, kind = s.Kind, name = s.Name, input = s.Input.ToString(), output = s.Output.ToString(),
                macs = s.Macs, weightBytes = s.WeightBytes, tableBytes = s.TableBytes, layer = s.Layer, pinned = s.Pinned,
                storeBits = s.Layer is { } l ? p.Layers[l].StoreBits : (int?)null,
            }),
        };
        return JsonSerializer.Serialize(doc, new JsonSerializerOptions { WriteIndented = true });
    }

    public static string Num(long v) => v.ToString("N0", CultureInfo.InvariantCulture);

    private static string Shorten(string s) => s.Length <= 32 ? s : s[..14] + "…" + s[^17..];
}
