using System.CommandLine;
using Spectre.Console;
using TruncEdge.Toolchain;

namespace TruncEdge.Cli.Commands;

/// <summary>`truncedge doctor`: what is installed, what is missing, and the command that installs it.</summary>
public sealed class DoctorCommand(CommandContext context)
{
    public Command Build()
    {
        var json = CommonOptions.Json();
        var command = new Command("doctor", "Show which compilers, emulators and plugins are installed and how to install the missing ones") { json };
        command.SetAction(r => context.Guard(r, () =>
        {
            var report = new Doctor(TargetCatalog.LoadDefault()).Check();
            if (r.GetValue(json))
            {
                Console.Out.WriteLine(System.Text.Json.JsonSerializer.Serialize(new
                {
                    tools = report.Tools.Select(t => new { name = t.Tool.Name, command = t.Tool.Command, found = t.Found, path = t.Path, version = t.Version, install = t.Found ? null : t.InstallCommand }),
                    targets = report.Targets.Select(t => new { name = t.Target.Name, ready = t.Ready, missing = t.Missing.Select(m => m.Name) }),
                    plugin = new { path = report.PluginPath, built = report.PluginBuilt },
                }));
                return report.AllFound ? ExitCodes.Ok : ExitCodes.CheckFailed;
            }
            var tools = new Table().Border(TableBorder.Rounded).AddColumns("tool", "status", "version", "install");
            foreach (var t in report.Tools)
                tools.AddRow(Markup.Escape(t.Tool.Name), t.Found ? "[green]found[/]" : "[red]missing[/]", Markup.Escape(t.Version ?? ""), t.Found ? "" : Markup.Escape(t.InstallCommand));
            tools.AddRow("instruction-count plugin", report.PluginBuilt ? "[green]built[/]" : "[yellow]built on first use[/]", "", "");
            context.Console.Write(tools);
            var targets = new Table().Border(TableBorder.Rounded).AddColumns("target", "ready", "missing");
            foreach (var t in report.Targets)
                targets.AddRow(Markup.Escape(t.Target.Name), t.Ready ? "[green]yes[/]" : "[red]no[/]", Markup.Escape(string.Join(", ", t.Missing.Select(m => m.Name))));
            context.Console.Write(targets);
            if (!report.AllFound) context.Console.MarkupLine($"install everything with: [bold]{Markup.Escape(report.SetupCommand)}[/]");
            return report.AllFound ? ExitCodes.Ok : ExitCodes.CheckFailed;
        }));
        return command;
    }
}
