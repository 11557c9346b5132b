using Spectre.Console;
using System.CommandLine;
using TruncEdge.Toolchain;

namespace TruncEdge.Cli.Commands;

/// <summary>`truncedge build DIR`: compiles an emitted folder with GCC for a target.</summary>
public sealed class BuildCommand(CommandContext context)
{
    public Command Build()
    {
        var dir = new Argument<string>("folder") { Description = "A folder written by 'truncedge compile'" };
        var target = CommonOptions.Target();
        var sanitize = new Option<bool>("--sanitize") { Description = "Build with -fsanitize=address,undefined (host only)" };
        var image = new Option<ImageKind>("--image") { Description = "What to build around the model: Harness (test program), Footprint (minimal firmware), Bench (instruction counting)", DefaultValueFactory = _ => ImageKind.Harness };
        var prefix = new Option<string>("--prefix") { Description = "The prefix the folder was compiled with", DefaultValueFactory = _ => "model" };
        var command = new Command("build", "Build an emitted C folder with GCC for a target") { dir, target, sanitize, image, prefix };
        command.SetAction(r => context.Guard(r, () =>
        {
            var catalog = TargetCatalog.LoadDefault();
            var t = catalog.Get(r.GetValue(target)!);
            var result = new GccBuilder(catalog).Build(r.GetValue(dir)!, t, new BuildOptions
            {
                Sanitize = r.GetValue(sanitize), Image = r.GetValue(image), ModelPrefix = r.GetValue(prefix)!,
            });
            context.Console.MarkupLine($"built [bold]{Spectre.Console.Markup.Escape(result.ExecutablePath)}[/] for {t.Name} in {result.Elapsed.TotalSeconds:0.0} s");
            return ExitCodes.Ok;
        }));
        return command;
    }
}
