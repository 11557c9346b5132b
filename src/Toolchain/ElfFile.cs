using System.Buffers.Binary;
using System.Text;
using TruncEdge.Model.Diagnostics;

namespace TruncEdge.Toolchain;

/// <summary>A section header of an ELF file.</summary>
public sealed record ElfSection(string Name, uint Type, ulong Flags, ulong Address, ulong Size)
{
    public const uint TypeNoBits = 8;
    public const ulong FlagWrite = 0x1, FlagAlloc = 0x2, FlagExec = 0x4;

    public bool IsAlloc => (Flags & FlagAlloc) != 0;
    public bool IsWritable => (Flags & FlagWrite) != 0;
    public bool IsExecutable => (Flags & FlagExec) != 0;
    public bool IsNoBits => Type == TypeNoBits;
}

/// <summary>A symbol of an ELF file's .symtab. <see cref="Address"/> has the Thumb bit cleared.</summary>
public sealed record ElfSymbol(string Name, ulong Address, ulong Size, bool IsFunction, bool IsObject, int SectionIndex);

/// <summary>
/// The parts of an ELF file (32 or 64 bit, little-endian) that sizes and instruction counting
/// need: section headers and the symbol table. Read once, immutable.
/// </summary>
public sealed class ElfFile
{
    private const ushort MachineArm = 40;

    private ElfFile(string path, bool is64, ushort machine, IReadOnlyList<ElfSection> sections, IReadOnlyList<ElfSymbol> symbols)
    {
        Path = path;
        Is64 = is64;
        Machine = machine;
        Sections = sections;
        Symbols = symbols;
    }

    public string Path { get; }
    public bool Is64 { get; }
    public ushort Machine { get; }
    public IReadOnlyList<ElfSection> Sections { get; }
    public IReadOnlyList<ElfSymbol> Symbols { get; }

    /// <summary>The address of a function symbol (Thumb bit cleared), or null.</summary>
    public ulong? FunctionAddress(string name) =>
        Symbols.FirstOrDefault(s => s.IsFunction && s.Name == name)?.Address;

    public static ElfFile Read(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DiagnosticException(ToolchainDiagnosticCodes.BadElf, $"cannot read: {e.Message}", path);
        }
        try
        {
            return Parse(path, bytes);
        }
        catch (ArgumentOutOfRangeException)
        {
            throw new DiagnosticException(ToolchainDiagnosticCodes.BadElf, "truncated or corrupt ELF file", path);
        }
    }

    private static ElfFile Parse(string path, byte[] bytes)
    {
        var span = bytes.AsSpan();
        if (span.Length < 52 || span[0] != 0x7f || span[1] != (byte)'E' || span[2] != (byte)'L' || span[3] != (byte)'F')
        {
            throw new DiagnosticException(ToolchainDiagnosticCodes.BadElf, "not an ELF file", path);
        }
        var is64 = span[4] == 2;
        if (span[5] != 1) throw new DiagnosticException(ToolchainDiagnosticCodes.BadElf, "big-endian ELF files are not supported", path);

        ulong Word(int offset) => is64 ? BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(offset)) : BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(offset));
        uint U32(int offset) => BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(offset));
        ushort U16(int offset) => BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(offset));

        var machine = U16(18);
        var shoff = checked((int)(is64 ? Word(0x28) : U32(0x20)));
        var shentsize = U16(is64 ? 0x3A : 0x2E);
        var shnum = U16(is64 ? 0x3C : 0x30);
        var shstrndx = U16(is64 ? 0x3E : 0x32);

        var raw = new List<(uint Name, uint Type, ulong Flags, ulong Addr, int Offset, ulong Size, uint Link, ulong EntSize)>();
        for (var i = 0; i < shnum; i++)
        {
            var h = shoff + i * shentsize;
            raw.Add(is64
                ? (U32(h), U32(h + 4), Word(h + 8), Word(h + 16), checked((int)Word(h + 24)), Word(h + 32), U32(h + 40), Word(h + 56))
                : (U32(h), U32(h + 4), U32(h + 8), U32(h + 12), checked((int)U32(h + 16)), U32(h + 20), U32(h + 24), U32(h + 36)));
        }

        string Str(int tableOffset, uint index)
        {
            var start = tableOffset + (int)index;
            var end = bytes.AsSpan(start).IndexOf((byte)0);
            return Encoding.UTF8.GetString(bytes, start, end < 0 ? 0 : end);
        }

        var names = shstrndx < raw.Count ? raw[shstrndx].Offset : 0;
        var sections = raw.Select(r => new ElfSection(shstrndx < raw.Count ? Str(names, r.Name) : "", r.Type, r.Flags, r.Addr, r.Size)).ToList();

        var symbols = new List<ElfSymbol>();
        var symtab = raw.FindIndex(r => r.Type == 2); // SHT_SYMTAB
        if (symtab >= 0)
        {
            var t = raw[symtab];
            var strings = raw[(int)t.Link].Offset;
            var entSize = t.EntSize == 0 ? (is64 ? 24UL : 16UL) : t.EntSize;
            for (ulong i = 1; i < t.Size / entSize; i++)
            {
                var e = t.Offset + (int)(i * entSize);
                uint nameIndex = U32(e);
                ulong value, size;
                byte info;
                ushort shndx;
                if (is64)
                {
                    info = span[e + 4];
                    shndx = U16(e + 6);
                    value = Word(e + 8);
                    size = Word(e + 16);
                }
                else
                {
                    value = U32(e + 4);
                    size = U32(e + 8);
                    info = span[e + 12];
                    shndx = U16(e + 14);
                }
                var type = info & 0xf;
                var isFunction = type == 2;
                if (isFunction && machine == MachineArm) value &= ~1UL; // Thumb bit
                symbols.Add(new ElfSymbol(Str(strings, nameIndex), value, size, isFunction, type == 1, shndx));
            }
        }
        return new ElfFile(path, is64, machine, sections, symbols);
    }
}
