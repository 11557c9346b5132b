using TruncEdge.Compiler;

namespace TruncEdge.Toolchain.Workflow;

/// <summary>How a <see cref="ModelBuild"/> is made.</summary>
public sealed record ModelBuildOptions
{
    /// <summary>Build the harness with ASan and UBSan (host only; GccBuilder refuses it elsewhere).</summary>
    public bool Sanitize { get; init; }

    /// <summary>Where the emitted folder (WORK/c) and its builds go, kept afterwards; a temporary
    /// folder, removed when the build is disposed, when null.</summary>
    public string? WorkDirectory { get; init; }
}

/// <summary>
/// The one way from a compiled model to something that runs: emits the model for a target
/// (after the fit check) and hands back the <see cref="ModelBuild"/> that builds its images
/// once and runs them. `verify` (Verifier), `eval` (ProgramAccuracy), `bench` (ModelBench)
/// and `run` all start here.
/// </summary>
public sealed class Workbench(TargetCatalog catalog)
{
    public ModelBuild Build(CompiledModel model, Target target, ModelBuildOptions? options = null)
    {
        options ??= new ModelBuildOptions();
        var work = options.WorkDirectory ?? Path.Combine(Path.GetTempPath(), "truncedge-build-" + Guid.NewGuid().ToString("N")[..12]);
        var owned = options.WorkDirectory is null;
        try
        {
            var folder = Path.Combine(work, "c");
            new FirmwareFolder(catalog).Write(model, target, folder);
            return new ModelBuild(catalog, model, target, folder, options.Sanitize, owned ? work : null);
        }
        catch
        {
            if (owned && Directory.Exists(work)) Directory.Delete(work, recursive: true);
            throw;
        }
    }
}
