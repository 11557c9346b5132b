namespace TruncEdge.Toolchain;

/// <summary>
/// Flash and RAM of an image, read from its ELF file. Flash = code (executable sections) +
/// weights (the objects named *_codes, or *_packed for codes stored below 8 bits) + other constants (the rest of the read-only sections) +
/// the initial values of .data. RAM = arena (objects whose name contains "arena") + stack (the
/// .stack section of te_firmware.ld) + other data (the rest of .data and .bss). The totals agree
/// with the Berkeley format of binutils' size: flash = text + data, RAM = data + bss.
/// </summary>
public sealed record SizeReport(
    string ElfPath,
    ulong Code,
    ulong Weights,
    ulong Constants,
    ulong DataInit,
    ulong Arena,
    ulong Stack,
    ulong OtherData)
{
    /// <summary>Berkeley "text": allocated read-only sections.</summary>
    public ulong Text => Code + Weights + Constants;

    /// <summary>Berkeley "data": allocated writable sections with contents.</summary>
    public ulong Data => DataInit;

    /// <summary>Berkeley "bss": allocated sections without contents (the stack among them).</summary>
    public ulong Bss => Arena + Stack + OtherData - DataInit;

    public ulong FlashBytes => Code + Weights + Constants + DataInit;

    /// <summary>The part of <see cref="Code"/> that the TruncEdge runtime's kernels take (from the
    /// linker map: what --gc-sections kept of them), or null when it was not measured.</summary>
    public ulong? RuntimeCode { get; init; }
    public ulong RamBytes => Arena + Stack + OtherData;

    public static SizeReport FromElf(string path) => From(ElfFile.Read(path));

    public static SizeReport From(ElfFile elf)
    {
        ulong code = 0, readOnly = 0, data = 0, bss = 0, stack = 0;
        foreach (var s in elf.Sections.Where(s => s.IsAlloc && s.Size > 0))
        {
            if (s.IsExecutable) code += s.Size;
            else if (!s.IsWritable) readOnly += s.Size;
            else if (s.IsNoBits) bss += s.Size;
            else data += s.Size;
            if (s.Name == ".stack") stack += s.Size;
        }

        bool In(ElfSymbol sym, Func<ElfSection, bool> kind) =>
            sym.SectionIndex > 0 && sym.SectionIndex < elf.Sections.Count && kind(elf.Sections[sym.SectionIndex]);
        var objects = elf.Symbols.Where(s => s.IsObject && s.Size > 0).DistinctBy(s => (s.Address, s.Size)).ToList();
        var weights = Sum(objects.Where(s => (s.Name.EndsWith("_codes", StringComparison.Ordinal) || s.Name.EndsWith("_packed", StringComparison.Ordinal))
            && In(s, x => x.IsAlloc && !x.IsWritable && !x.IsExecutable)));
        var arena = Sum(objects.Where(s => s.Name.Contains("arena", StringComparison.OrdinalIgnoreCase)
            && In(s, x => x.IsAlloc && x.IsWritable)));

        return new SizeReport(elf.Path, code, weights, readOnly - weights, data, arena, stack, data + bss - arena - stack);
    }

    private static ulong Sum(IEnumerable<ElfSymbol> symbols) => symbols.Aggregate(0UL, (a, s) => a + s.Size);
}
