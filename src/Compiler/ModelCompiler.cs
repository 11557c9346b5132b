using System.Security.Cryptography;
using TruncEdge.Compiler.Passes;
using TruncEdge.Compiler.Program;
using TruncEdge.Model.Diagnostics;
using TruncEdge.Model.Graph;
using TruncEdge.Model.Onnx;

namespace TruncEdge.Compiler;

/// <summary>A compiled model and where it came from.</summary>
public sealed record CompiledModel(IntegerProgram Program, ModelGraph Graph, string SourcePath, string Sha256);

/// <summary>Reads an ONNX file and runs the pipeline on it; the entry point the CLI and tools use.</summary>
public sealed class ModelCompiler
{
    public CompiledModel CompileFile(string path, CompilerOptions? options = null)
    {
        var (graph, bytes, withFile) = Read(path, options);
        var program = new CompilerPipeline().Compile(graph, withFile);
        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        program.Provenance["model"] = Path.GetFileName(path);
        program.Provenance["model_sha256"] = sha;
        return new CompiledModel(program, graph, path, sha);
    }

    /// <summary>Runs the passes up to and including <paramref name="stopAfter"/> (`inspect --after`).</summary>
    public Compilation CompileFileUntil(string path, string stopAfter, CompilerOptions? options = null)
    {
        var (graph, _, withFile) = Read(path, options);
        return new CompilerPipeline().Run(graph, withFile, stopAfter);
    }

    private static (ModelGraph Graph, byte[] Bytes, CompilerOptions Options) Read(string path, CompilerOptions? options)
    {
        if (!File.Exists(path)) throw new DiagnosticException("TE1000", "file not found", path);
        var bytes = File.ReadAllBytes(path);
        return (OnnxReader.Read(bytes, path), bytes, (options ?? new CompilerOptions()) with { SourceFile = path });
    }
}
