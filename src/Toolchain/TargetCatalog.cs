using System.Globalization;
using System.Text.Json;
using TruncEdge.Model.Diagnostics;

namespace TruncEdge.Toolchain;

/// <summary>
/// The targets and tools TruncEdge knows, read from a targets folder (targets/NAME/target.json
/// and targets/tools.json). The folder ships next to the tool's assemblies; in a checkout the
/// repository's targets/ is found by walking up. Every file is validated when loaded; a problem
/// is a one-line <see cref="DiagnosticException"/> naming the file and the key. Immutable.
/// </summary>
public sealed class TargetCatalog
{
    /// <summary>Overrides where the targets folder is looked for.</summary>
    public const string DirectoryVariable = "TRUNCEDGE_TARGETS";

    private readonly Dictionary<string, Target> _byName;
    private readonly Dictionary<string, Tool> _tools;

    private TargetCatalog(string directory, IReadOnlyList<Target> targets, IReadOnlyList<Tool> tools, Target defaultTarget)
    {
        Directory = directory;
        Targets = targets;
        Tools = tools;
        Default = defaultTarget;
        _byName = targets.ToDictionary(t => t.Name, StringComparer.Ordinal);
        _tools = tools.ToDictionary(t => t.Name, StringComparer.Ordinal);
    }

    /// <summary>The targets folder this catalog was read from.</summary>
    public string Directory { get; }

    /// <summary>All targets, ordered by name.</summary>
    public IReadOnlyList<Target> Targets { get; }

    /// <summary>All tools of tools.json, in file order.</summary>
    public IReadOnlyList<Tool> Tools { get; }

    /// <summary>The default firmware target (the one with "default": true).</summary>
    public Target Default { get; }

    /// <summary>Folders shared by the targets: start-up code, the linker script, the plugin.</summary>
    public string CommonDirectory => Path.Combine(Directory, "common");

    /// <summary>Loads the catalog from <see cref="FindDirectory"/>.</summary>
    public static TargetCatalog LoadDefault() => Load(FindDirectory());

    /// <summary>
    /// The targets folder: $TRUNCEDGE_TARGETS, else <c>targets/</c> next to this assembly, else
    /// the first <c>targets/</c> (holding tools.json) found walking up from it.
    /// </summary>
    public static string FindDirectory()
    {
        var fromEnv = Environment.GetEnvironmentVariable(DirectoryVariable);
        if (!string.IsNullOrEmpty(fromEnv)) return fromEnv;
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        for (var d = dir; d is not null; d = d.Parent)
        {
            var candidate = Path.Combine(d.FullName, "targets");
            if (File.Exists(Path.Combine(candidate, "tools.json"))) return candidate;
        }
        throw new DiagnosticException(ToolchainDiagnosticCodes.TargetsNotFound,
            $"no targets folder (targets/tools.json) next to {AppContext.BaseDirectory} or above it; set {DirectoryVariable}");
    }

    /// <summary>Reads and validates every target.json and tools.json under <paramref name="directory"/>.</summary>
    public static TargetCatalog Load(string directory)
    {
        directory = Path.GetFullPath(directory);
        if (!System.IO.Directory.Exists(directory))
        {
            throw new DiagnosticException(ToolchainDiagnosticCodes.TargetsNotFound, "targets folder not found", directory);
        }

        var tools = ReadTools(Path.Combine(directory, "tools.json"));
        var targets = new List<Target>();
        var defaults = new List<Target>();
        foreach (var sub in System.IO.Directory.GetDirectories(directory).Order(StringComparer.Ordinal))
        {
            var file = Path.Combine(sub, "target.json");
            if (!File.Exists(file)) continue;
            var (target, isDefault) = ReadTarget(file, tools);
            targets.Add(target);
            if (isDefault) defaults.Add(target);
        }

        if (targets.Count == 0)
        {
            throw new DiagnosticException(ToolchainDiagnosticCodes.TargetsNotFound, "no targets (no */target.json)", directory);
        }
        if (defaults.Count != 1)
        {
            throw new DiagnosticException(ToolchainDiagnosticCodes.BadTargetFile,
                $"exactly one target must have \"default\": true, found {defaults.Count}", directory);
        }
        return new TargetCatalog(directory, targets, tools, defaults[0]);
    }

    /// <summary>The target called <paramref name="name"/>; an unknown name lists the known ones.</summary>
    public Target Get(string name) =>
        _byName.TryGetValue(name, out var t)
            ? t
            : throw new DiagnosticException(ToolchainDiagnosticCodes.UnknownTarget,
                $"unknown target '{name}'; known targets: {string.Join(", ", Targets.Select(x => x.Name))}");

    /// <summary>The tool entry called <paramref name="name"/> (validated to exist at load time).</summary>
    public Tool GetTool(string name) =>
        _tools.TryGetValue(name, out var t)
            ? t
            : throw new DiagnosticException(ToolchainDiagnosticCodes.BadTargetFile, $"tools.json has no tool '{name}'", Directory);

    /// <summary>The tool entry whose command is <paramref name="command"/> and that is not a C library.</summary>
    public Tool? FindToolByCommand(string command) =>
        Tools.FirstOrDefault(t => t.Specs is null && string.Equals(t.Command, command, StringComparison.Ordinal));

    /// <summary>The tools a target needs: its compiler, its C library and its emulator.</summary>
    public IReadOnlyList<Tool> ToolsFor(Target target)
    {
        var list = new List<Tool>();
        void Add(Tool? t)
        {
            if (t is not null && !list.Contains(t)) list.Add(t);
        }
        Add(FindToolByCommand(target.Compiler));
        if (target.Libc is not null) Add(GetTool(target.Libc));
        if (target.Qemu is not null) Add(FindToolByCommand(target.Qemu.Binary));
        return list;
    }

    // ---- reading -------------------------------------------------------------------------

    private static IReadOnlyList<Tool> ReadTools(string file)
    {
        var root = Parse(file);
        var obj = new JsonObjectReader(root, file, "");
        obj.OnlyKeys("tools");
        var tools = new List<Tool>();
        var items = obj.Array("tools");
        for (var i = 0; i < items.Count; i++)
        {
            var t = new JsonObjectReader(items[i], file, $"tools[{i}].");
            t.OnlyKeys("name", "command", "specs", "package", "purpose");
            var tool = new Tool(t.String("name"), t.String("command"), t.OptionalString("specs"), t.String("package"), t.String("purpose"));
            if (tools.Any(x => x.Name == tool.Name)) throw t.Error("name", $"duplicate tool name '{tool.Name}'");
            tools.Add(tool);
        }
        return tools;
    }

    private static (Target, bool) ReadTarget(string file, IReadOnlyList<Tool> tools)
    {
        var dir = Path.GetDirectoryName(file)!;
        var root = Parse(file);
        var o = new JsonObjectReader(root, file, "");
        o.OnlyKeys("name", "description", "kind", "default", "cc", "libc", "cflags", "ldflags", "linkerScript",
            "startup", "harnessIo", "memory", "qemu", "board", "timeoutSeconds");

        var name = o.String("name");
        if (name != Path.GetFileName(dir)) throw o.Error("name", $"'{name}' must equal the folder name '{Path.GetFileName(dir)}'");
        var kindText = o.String("kind");
        var kind = kindText switch
        {
            "host" => TargetKind.Host,
            "qemu" => TargetKind.Qemu,
            _ => throw o.Error("kind", $"'{kindText}' is not one of host, qemu"),
        };
        var libc = o.OptionalString("libc");
        if (libc is not null && !tools.Any(t => t.Name == libc && t.Specs is not null)) throw o.Error("libc", $"'{libc}' is not a C library of tools.json");
        var cc = o.String("cc");
        if (!tools.Any(t => t.Command == cc && t.Specs is null)) throw o.Error("cc", $"'{cc}' is not a command of tools.json (which names its package)");
        var timeout = o.Integer("timeoutSeconds");
        if (timeout <= 0) throw o.Error("timeoutSeconds", "must be positive");

        var target = new Target
        {
            Name = name,
            Description = o.String("description"),
            Kind = kind,
            Directory = dir,
            Compiler = cc,
            Libc = libc,
            CFlags = o.StringArray("cflags"),
            LdFlags = o.StringArray("ldflags"),
            Timeout = TimeSpan.FromSeconds(timeout),
        };
        var isDefault = o.OptionalBool("default") ?? false;

        if (kind == TargetKind.Host)
        {
            foreach (var key in new[] { "linkerScript", "startup", "harnessIo", "memory", "qemu", "board" })
            {
                if (o.Has(key)) throw o.Error(key, "a host target has no " + key);
            }
            return (target, isDefault);
        }

        var memory = o.Object("memory");
        memory.OnlyKeys("flash", "ram", "stack");
        var map = new MemoryMap(Region(memory, "flash"), Region(memory, "ram"), memory.Bytes("stack"));
        if (map.StackBytes == 0 || map.StackBytes >= map.Ram.Size) throw memory.Error("stack", "must be above 0 and below memory.ram.size");

        var qemu = o.Object("qemu");
        qemu.OnlyKeys("binary", "machine", "args");
        var qemuBinary = qemu.String("binary");
        if (!tools.Any(t => t.Command == qemuBinary && t.Specs is null)) throw qemu.Error("binary", $"'{qemuBinary}' is not a command of tools.json (which names its package)");
        var board = o.Object("board");
        board.OnlyKeys("name", "mcu", "flash", "ram");

        return (target with
        {
            LinkerScript = o.ExistingFile("linkerScript", dir),
            StartupSources = o.StringArray("startup").Select((s, i) => o.ExistingFile($"startup[{i}]", dir, s)).ToList(),
            HarnessIo = o.ExistingFile("harnessIo", dir),
            Memory = map,
            Qemu = new QemuSettings(qemuBinary, qemu.String("machine"), qemu.StringArray("args")),
            Board = new Board(board.String("name"), board.String("mcu"), board.Bytes("flash"), board.Bytes("ram")),
        }, isDefault);
    }

    /// <summary>memory.KEY: origin and size, ending within 32-bit addresses (targets and boards).</summary>
    internal static MemoryRegion Region(JsonObjectReader memory, string key)
    {
        var r = memory.Object(key);
        r.OnlyKeys("origin", "size");
        var region = new MemoryRegion(r.Bytes("origin"), r.Bytes("size"));
        if (region.Size == 0 || region.Origin + region.Size > 0x1_0000_0000UL) throw r.Error("size", "must be above 0 and end within 32-bit addresses");
        return region;
    }

    internal static JsonElement Parse(string file)
    {
        string text;
        try
        {
            text = File.ReadAllText(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DiagnosticException(ToolchainDiagnosticCodes.TargetsNotFound, $"cannot read: {e.Message}", file);
        }
        try
        {
            using var doc = JsonDocument.Parse(text, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip });
            return doc.RootElement.Clone();
        }
        catch (JsonException e)
        {
            var where = e.LineNumber is { } line ? $" at line {line + 1}" : "";
            throw new DiagnosticException(ToolchainDiagnosticCodes.BadTargetFile, $"not valid JSON{where}: {FirstLine(e.Message)}", file);
        }
    }

    private static string FirstLine(string s) => s.Split('\n')[0].Trim();

    /// <summary>Parses a size or address: a JSON number, or a string "0x1F", "640K", "4M" (K = 1024).</summary>
    internal static bool TryParseBytes(string text, out ulong value)
    {
        value = 0;
        text = text.Trim();
        if (text.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            return ulong.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);
        }
        ulong scale = 1;
        if (text.EndsWith('K')) scale = 1024;
        else if (text.EndsWith('M')) scale = 1024 * 1024;
        if (scale != 1) text = text[..^1];
        if (!ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n > ulong.MaxValue / scale) return false;
        value = n * scale;
        return true;
    }
}
