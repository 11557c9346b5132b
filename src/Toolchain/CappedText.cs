using System.Text;
using CliWrap;

namespace TruncEdge.Toolchain;

/// <summary>
/// A pipe target that keeps the first characters of a tool's output as UTF-8 text and reads and
/// drops the rest, so a chatty tool never blocks on a full pipe and never fills our memory.
/// </summary>
internal sealed class CappedText(int maxChars) : PipeTarget
{
    private readonly StringBuilder kept = new();
    private bool dropped;

    /// <summary>What was kept, marked when some was dropped; read it once the run is over.</summary>
    public string Text => dropped ? kept + "\n[output truncated]\n" : kept.ToString();

    public override async Task CopyFromAsync(Stream origin, CancellationToken cancellationToken = default)
    {
        using var reader = new StreamReader(origin, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, bufferSize: 8192, leaveOpen: true);
        var buffer = new char[8192];
        int n;
        while ((n = await reader.ReadAsync(buffer.AsMemory(), cancellationToken).ConfigureAwait(false)) > 0)
        {
            var room = maxChars - kept.Length;
            if (room > 0) kept.Append(buffer, 0, Math.Min(room, n));
            if (n > room) dropped = true;
        }
    }
}
