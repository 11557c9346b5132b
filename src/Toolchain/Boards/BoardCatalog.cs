using System.Text.Json;
using TruncEdge.Model.Diagnostics;

namespace TruncEdge.Toolchain.Boards;

/// <summary>
/// The boards of targets/boards/*.json, and board files elsewhere given by path. A board file
/// is all a user adds for a new board (docs/boards.md).
/// </summary>
public sealed class BoardCatalog(TargetCatalog targets)
{
    public string Directory => Path.Combine(targets.Directory, "boards");

    /// <summary>The static firmware sources (main.c, start-up, console drivers).</summary>
    public string FirmwareDirectory => Path.Combine(Directory, "firmware");

    public IReadOnlyList<string> Names =>
        System.IO.Directory.Exists(Directory)
            ? System.IO.Directory.GetFiles(Directory, "*.json").Select(f => Path.GetFileNameWithoutExtension(f)).Order(StringComparer.Ordinal).ToList()
            : [];

    /// <summary>A shipped board by name, or a board file by path (anything ending in .json).</summary>
    public BoardFile Get(string nameOrPath)
    {
        var file = nameOrPath.EndsWith(".json", StringComparison.OrdinalIgnoreCase) ? Path.GetFullPath(nameOrPath) : Path.Combine(Directory, nameOrPath + ".json");
        if (!File.Exists(file))
        {
            throw new DiagnosticException(ToolchainDiagnosticCodes.UnknownBoard,
                $"unknown board '{nameOrPath}': expected one of {string.Join(", ", Names)}, or the path of a board file (.json, docs/boards.md)");
        }
        return Load(file);
    }

    public BoardFile Load(string file)
    {
        var o = new JsonObjectReader(TargetCatalog.Parse(file), file, "", ToolchainDiagnosticCodes.BadBoardFile);
        o.OnlyKeys("name", "description", "target", "memory", "clock", "console", "init", "cycles", "qemu", "openocd");
        var targetName = o.String("target");
        if (!targets.Targets.Any(t => t.Name == targetName && !t.IsHost))
            throw o.Error("target", $"'{targetName}' is not a cross target of targets/ (expected one of {string.Join(", ", targets.Targets.Where(t => !t.IsHost).Select(t => t.Name))})");
        var memory = o.Object("memory");
        memory.OnlyKeys("flash", "ram", "stack");
        var map = new MemoryMap(TargetCatalog.Region(memory, "flash"), TargetCatalog.Region(memory, "ram"), memory.Bytes("stack"));
        if (map.StackBytes == 0 || map.StackBytes >= map.Ram.Size) throw memory.Error("stack", "must be above 0 and below memory.ram.size");

        var console = o.Object("console");
        console.OnlyKeys("kind", "base", "divisor", "what");
        var kind = console.String("kind");
        if (!ConsoleSettings.Kinds.Contains(kind)) throw console.Error("kind", $"'{kind}' is not a console driver (expected one of {string.Join(", ", ConsoleSettings.Kinds)})");
        var settings = new ConsoleSettings(kind, Word(console, "base"), Word(console, "divisor"), console.String("what"));

        var init = new List<RegisterWrite>();
        var writes = o.Array("init");
        for (var i = 0; i < writes.Count; i++)
        {
            var w = new JsonObjectReader(writes[i], file, $"init[{i}].", ToolchainDiagnosticCodes.BadBoardFile);
            w.OnlyKeys("reg", "mask", "value", "what");
            var (mask, value) = (Word(w, "mask"), Word(w, "value"));
            if ((value & ~mask) != 0) throw w.Error("value", "sets bits outside mask");
            init.Add(new RegisterWrite(Word(w, "reg"), mask, value, w.String("what")));
        }
        var cycles = o.String("cycles");
        if (cycles is not ("dwt" or "mcycle")) throw o.Error("cycles", $"'{cycles}': expected dwt (Cortex-M) or mcycle (RISC-V)");

        QemuSettings? qemu = null;
        if (o.Has("qemu"))
        {
            var q = o.Object("qemu");
            q.OnlyKeys("binary", "machine", "args");
            qemu = new QemuSettings(q.String("binary"), q.String("machine"), q.StringArray("args"));
        }
        (string, string)? openocd = null;
        if (o.Has("openocd"))
        {
            var q = o.Object("openocd");
            q.OnlyKeys("interface", "target");
            openocd = (q.String("interface"), q.String("target"));
        }
        return new BoardFile
        {
            Name = o.String("name"), Description = o.String("description"), File = file, Target = targetName, Memory = map,
            Clock = o.String("clock"), Console = settings, Init = init, Cycles = cycles, Qemu = qemu, OpenOcd = openocd,
        };
    }

    private static uint Word(JsonObjectReader o, string key) =>
        o.Bytes(key) is var v && v <= uint.MaxValue ? (uint)v : throw o.Error(key, "must fit 32 bits");
}
