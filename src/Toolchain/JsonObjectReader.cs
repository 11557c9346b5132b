using System.Text.Json;
using TruncEdge.Model.Diagnostics;

namespace TruncEdge.Toolchain;

/// <summary>Reads one JSON object of a targets/ or boards/ file, with messages that name the file and the key path.</summary>
internal sealed class JsonObjectReader
{
    private readonly JsonElement _e;
    private readonly string _file;
    private readonly string _path;
    private readonly string _code;

    /// <param name="code">The diagnostic code of every error: a bad target file by default.</param>
    public JsonObjectReader(JsonElement e, string file, string path, string code = ToolchainDiagnosticCodes.BadTargetFile)
    {
        _file = file;
        _path = path;
        _code = code;
        if (e.ValueKind != JsonValueKind.Object)
        {
            throw new DiagnosticException(code, $"{(path.Length == 0 ? "the file" : path.TrimEnd('.'))} must be a JSON object", file);
        }
        _e = e;
    }

    public DiagnosticException Error(string key, string message) =>
        new(_code, $"{_path}{key}: {message}", _file);

    public void OnlyKeys(params string[] keys)
    {
        foreach (var p in _e.EnumerateObject())
        {
            if (!keys.Contains(p.Name, StringComparer.Ordinal))
            {
                throw Error(p.Name, $"unknown key (expected one of {string.Join(", ", keys)})");
            }
        }
    }

    public bool Has(string key) => _e.TryGetProperty(key, out _);

    private JsonElement Required(string key) =>
        _e.TryGetProperty(key, out var v) && v.ValueKind != JsonValueKind.Null ? v : throw Error(key, "missing");

    public string String(string key)
    {
        var v = Required(key);
        if (v.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(v.GetString())) throw Error(key, "must be a non-empty string");
        return v.GetString()!;
    }

    public string? OptionalString(string key) => Has(key) ? String(key) : null;

    public bool? OptionalBool(string key)
    {
        if (!_e.TryGetProperty(key, out var v)) return null;
        return v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Error(key, "must be true or false"),
        };
    }

    public long Integer(string key)
    {
        var v = Required(key);
        return v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var n) ? n : throw Error(key, "must be an integer");
    }

    public ulong Bytes(string key)
    {
        var v = Required(key);
        if (v.ValueKind == JsonValueKind.Number && v.TryGetUInt64(out var n)) return n;
        if (v.ValueKind == JsonValueKind.String && TargetCatalog.TryParseBytes(v.GetString()!, out var b)) return b;
        throw Error(key, $"'{v}' is not a byte count or address (a number, \"0x...\", \"640K\" or \"4M\")");
    }

    public IReadOnlyList<string> StringArray(string key)
    {
        var v = Required(key);
        if (v.ValueKind != JsonValueKind.Array) throw Error(key, "must be an array of strings");
        var list = new List<string>();
        foreach (var item in v.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String) throw Error(key, "must be an array of strings");
            list.Add(item.GetString()!);
        }
        return list;
    }

    public IReadOnlyList<JsonElement> Array(string key)
    {
        var v = Required(key);
        if (v.ValueKind != JsonValueKind.Array) throw Error(key, "must be an array");
        return v.EnumerateArray().ToList();
    }

    public JsonObjectReader Object(string key) => new(Required(key), _file, $"{_path}{key}.", _code);

    public string ExistingFile(string key, string dir, string? value = null)
    {
        value ??= String(key);
        var full = Path.GetFullPath(Path.Combine(dir, value));
        return File.Exists(full) ? full : throw Error(key, $"file '{value}' not found");
    }
}
