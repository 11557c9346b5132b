using System.Reflection;
using TruncEdge.Compiler;
using TruncEdge.Compiler.Program;
using TruncEdge.Emitter;

namespace TruncEdge.Toolchain.Workflow;

/// <summary>
/// Compiled model to an emitted C folder for a target: the fit check against the real board
/// first (so nothing is written for a model that cannot fit), then the emitter.
/// </summary>
public sealed class FirmwareFolder(TargetCatalog catalog)
{
    public static string ToolVersion =>
        typeof(FirmwareFolder).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    public EmittedFolder Emit(CompiledModel model, Target target, string prefix = EmitOptions.DefaultPrefix, string commandLine = "")
    {
        var p = model.Program;
        var constants = (ulong)ProgramStatistics.TableBytes(p);
        FitCheck.CheckPlan(target, (ulong)ProgramStatistics.WeightBytes(p), constants, (ulong)p.ArenaSize,
            (ulong)p.PackedWork.Select(u => u.Bytes).DefaultIfEmpty(0).Max());
        var options = new EmitOptions
        {
            Prefix = prefix, Target = target.Name, ToolVersion = ToolVersion, CommandLine = commandLine, ModelSha256 = model.Sha256,
            Cross = CrossBuildOf(target),
        };
        return new CSourceEmitter().Emit(p, options);
    }

    /// <summary>The emitted build's defaults for a cross target: its compiler and code generation
    /// flags, without the libc choice (--specs=...), which is the firmware's.</summary>
    public static CrossBuild? CrossBuildOf(Target target) =>
        target.IsHost ? null : new CrossBuild(target.Compiler, target.CFlags.Where(f => !f.StartsWith("--specs=", StringComparison.Ordinal)).ToList());

    /// <summary>Emits and writes the folder atomically (nothing is left behind on failure).</summary>
    public EmittedFolder Write(CompiledModel model, Target target, string outputDirectory, string prefix = EmitOptions.DefaultPrefix, string commandLine = "")
    {
        var folder = Emit(model, target, prefix, commandLine);
        OutputFolderWriter.Write(folder, outputDirectory);
        return folder;
    }

    public TargetCatalog Catalog => catalog;
}
