using TruncEdge.Compiler.Passes;
using TruncEdge.Compiler.Program;
using TruncEdge.Model.Diagnostics;

namespace TruncEdge.Emitter;

/// <summary>
/// Turns an <see cref="IntegerProgram"/> into the files of a C folder (docs/emitted-c.md): the
/// model API and implementation printed from Templates/*.sbn, the build files, the runtime
/// headers and the kernels the model calls, and the test harness. In memory only; write the
/// result with <see cref="OutputFolderWriter"/>. Same Program and options, same bytes.
/// </summary>
public sealed class CSourceEmitter
{
    /// <summary>Where the vendored runtime goes inside the output folder.</summary>
    public const string RuntimeIncludeDir = "truncedge/include";
    public const string RuntimeSourceDir = "truncedge/src";
    /// <summary>Where the harness goes: kept apart from the files a firmware team vendors.</summary>
    public const string HarnessDir = "test";

    /// <summary>The harness sources a host build compiles (the others are for other I/O back ends).</summary>
    private static readonly IReadOnlyList<string> HostHarnessSources = ["te_harness.c", "te_harness_io_host.c"];

    private readonly RuntimeSources _runtime;
    private readonly TemplateRenderer _templates = new();

    /// <summary>An emitter that vendors the runtime built into TruncEdge.Emitter.</summary>
    public CSourceEmitter()
        : this(RuntimeSources.Embedded)
    {
    }

    /// <summary>An emitter that vendors the given runtime (e.g. <see cref="RuntimeSources.FromDirectory"/>).</summary>
    public CSourceEmitter(RuntimeSources runtime)
    {
        _runtime = runtime;
    }

    /// <summary>
    /// Emits the folder. Throws <see cref="TruncEdge.Model.Diagnostics.DiagnosticException"/> for an
    /// unusable prefix or a model with no weight layer, and <see cref="InvalidOperationException"/>
    /// for a Program that breaks its own invariants (a compiler bug) or a runtime that lacks a
    /// file the model needs (a TruncEdge build without its kernels).
    /// </summary>
    public EmittedFolder Emit(IntegerProgram program, EmitOptions options)
    {
        ArgumentNullException.ThrowIfNull(program);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (program.Layers.Count == 0)
        {
            throw new DiagnosticException(new Diagnostic(EmitterDiagnosticCodes.NoWeightLayers,
                "the model has no Conv or Gemm layer: there is nothing to emit", Node: program.Name, Pass: "emit"));
        }
        // The C below relies on every Program invariant (array sizes, pointer kinds, arena bounds).
        new VerifyProgram().Run(program);

        var kernels = EmitModelBuilder.KernelsUsed(program);
        var missing = _runtime.Missing(kernels);
        if (missing.Count > 0)
        {
            throw new InvalidOperationException(
                "this TruncEdge build lacks C runtime files the model needs: " + string.Join(", ", missing.Select(m => "runtime-c/" + m)) +
                ". Rebuild TruncEdge.Emitter with the complete runtime-c/ (it embeds runtime-c/include, src and harness).");
        }

        var runtimeSources = _runtime.SharedSources
            .Concat(kernels.SelectMany(_runtime.SourcesFor))
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToList();
        var headers = _runtime.Headers;
        var harness = _runtime.HarnessFiles;

        var model = EmitModelBuilder.Build(
            program,
            options,
            runtimeSources.Where(p => p.EndsWith(".c", StringComparison.Ordinal)).Select(OutputPath).ToList(),
            headers.Select(OutputPath).ToList(),
            HostHarnessSources.Select(h => HarnessDir + "/" + h).ToList());

        var files = new List<EmittedFile>
        {
            new("README.md", _templates.Render("README.md", model)),
            new("CMakeLists.txt", _templates.Render("CMakeLists.txt", model)),
            new("Makefile", _templates.Render("Makefile", model)),
            new(model.HeaderFile, _templates.Render("model.h", model)),
            new(model.SourceFile, _templates.Render("model.c", model)),
        };
        if (model.Cross is { } cross) files.Add(new(cross.ToolchainFile, _templates.Render("toolchain.cmake", model)));
        files.AddRange(headers.Concat(runtimeSources).Concat(harness).Select(p => new EmittedFile(OutputPath(p), _runtime.Read(p))));

        return new EmittedFolder(options.Prefix, files);
    }

    /// <summary>Where a runtime file (path relative to runtime-c) lands in the output folder.</summary>
    public static string OutputPath(string runtimePath)
    {
        var slash = runtimePath.IndexOf('/', StringComparison.Ordinal);
        var (folder, name) = (runtimePath[..slash], runtimePath[(slash + 1)..]);
        return folder switch
        {
            "include" => RuntimeIncludeDir + "/" + name,
            "src" => RuntimeSourceDir + "/" + name,
            "harness" => HarnessDir + "/" + name,
            _ => throw new ArgumentException($"'{runtimePath}' is not a runtime file", nameof(runtimePath)),
        };
    }
}
