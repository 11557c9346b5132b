using System.Text;

namespace TruncEdge.Emitter;

/// <summary>One generated file: its path relative to the output folder ('/' separators) and its text ("\n" line endings).</summary>
public sealed record EmittedFile(string Path, string Content)
{
    /// <summary>The bytes written to disk: UTF-8 without a byte order mark.</summary>
    public byte[] ToBytes() => Utf8NoBom.GetBytes(Content);

    internal static readonly UTF8Encoding Utf8NoBom = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
}

/// <summary>
/// The in-memory result of one emit: every file of the output folder, in a fixed order
/// (generated files first, then the vendored runtime, then the harness). Nothing touches the
/// disk until <see cref="OutputFolderWriter"/> writes it.
/// </summary>
public sealed class EmittedFolder
{
    public EmittedFolder(string prefix, IReadOnlyList<EmittedFile> files)
    {
        var duplicate = files.GroupBy(f => f.Path, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new ArgumentException($"two files share the path '{duplicate.Key}'", nameof(files));
        }

        Prefix = prefix;
        Files = files;
    }

    /// <summary>The C prefix the folder was emitted with (model.h is <c>Prefix + ".h"</c>).</summary>
    public string Prefix { get; }

    public IReadOnlyList<EmittedFile> Files { get; }

    public string HeaderPath => Prefix + ".h";
    public string SourcePath => Prefix + ".c";

    /// <summary>The file at <paramref name="path"/>, or null.</summary>
    public EmittedFile? Find(string path) => Files.FirstOrDefault(f => f.Path == path);

    /// <summary>The file at <paramref name="path"/>; throws when there is none.</summary>
    public EmittedFile this[string path] =>
        Find(path) ?? throw new KeyNotFoundException($"the emitted folder has no file '{path}'");
}
