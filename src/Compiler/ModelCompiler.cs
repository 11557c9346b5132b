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
        var name = Path.GetFileName(path);
        if (!File.Exists(path)) throw new DiagnosticException("TE1000", "file not found", path);
        var bytes = File.ReadAllBytes(path);
        var graph = OnnxReader.Read(bytes, path);
        var program = new CompilerPipeline().Compile(graph, (options ?? new CompilerOptions()) with { SourceFile = path });
        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        program.Provenance["model"] = name;
        program.Provenance["model_sha256"] = sha;
        return new CompiledModel(program, graph, path, sha);
    }
}
