namespace TruncEdge.Toolchain;

/// <summary>Where a target runs: on the machine itself, or in QEMU.</summary>
public enum TargetKind
{
    Host,
    Qemu,
}

/// <summary>A block of memory: its first address and its size in bytes.</summary>
public sealed record MemoryRegion(ulong Origin, ulong Size);

/// <summary>The memory map of the emulated machine: the image's code and constants go to
/// <see cref="Flash"/>, data, the arena and the stack (<see cref="StackBytes"/>, at the top) to <see cref="Ram"/>.</summary>
public sealed record MemoryMap(MemoryRegion Flash, MemoryRegion Ram, ulong StackBytes);

/// <summary>The real board a QEMU target stands for: what a model must fit.</summary>
public sealed record Board(string Name, string Mcu, ulong FlashBytes, ulong RamBytes);

/// <summary>How QEMU runs an image: the emulator, the machine and its fixed options.</summary>
public sealed record QemuSettings(string Binary, string Machine, IReadOnlyList<string> Arguments);

/// <summary>
/// One target, as read from targets/NAME/target.json. Every fact about a target (compiler,
/// flags, QEMU machine, memory map, real board) lives in that file and nowhere else; paths here
/// are absolute.
/// </summary>
public sealed record Target
{
    public required string Name { get; init; }
    public required string Description { get; init; }
    public required TargetKind Kind { get; init; }

    /// <summary>The folder holding target.json.</summary>
    public required string Directory { get; init; }

    /// <summary>The C compiler command (also the driver that links).</summary>
    public required string Compiler { get; init; }

    /// <summary>The tool entry (targets/tools.json) of the C library, if the target needs one.</summary>
    public string? Libc { get; init; }

    /// <summary>Flags for compiling and linking (CPU, ABI, specs).</summary>
    public required IReadOnlyList<string> CFlags { get; init; }

    /// <summary>Extra flags for linking only.</summary>
    public required IReadOnlyList<string> LdFlags { get; init; }

    public string? LinkerScript { get; init; }

    /// <summary>Sources every image of the target links: start-up, C run-time, semihosting.</summary>
    public IReadOnlyList<string> StartupSources { get; init; } = [];

    /// <summary>The implementation of te_harness_io.h used instead of the emitted host one.</summary>
    public string? HarnessIo { get; init; }

    public MemoryMap? Memory { get; init; }
    public QemuSettings? Qemu { get; init; }
    public Board? Board { get; init; }

    /// <summary>How long one run may take unless the caller says otherwise.</summary>
    public required TimeSpan Timeout { get; init; }

    public bool IsHost => Kind == TargetKind.Host;

    public override string ToString() => Name;
}
