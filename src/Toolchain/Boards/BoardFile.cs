namespace TruncEdge.Toolchain.Boards;

/// <summary>One register write of a board's start-up: reg = (reg &amp; ~Mask) | Value.</summary>
public sealed record RegisterWrite(uint Register, uint Mask, uint Value, string What);

/// <summary>The board's console: a UART driver of firmware/console_KIND.c at a base address.</summary>
public sealed record ConsoleSettings(string Kind, uint Base, uint Divisor, string What)
{
    /// <summary>The console drivers in targets/boards/firmware (console_&lt;kind with _&gt;.c).</summary>
    public static readonly IReadOnlyList<string> Kinds = ["stm32-usart", "cmsdk-uart", "sifive-uart"];

    public string DriverFile => "console_" + Kind.Replace('-', '_') + ".c";
}

/// <summary>
/// A real board (targets/boards/NAME.json, docs/boards.md): the TruncEdge target whose compiler
/// and flags build for its core, its memory, the register writes that bring up its console, the
/// console and cycle counter, and optionally how QEMU runs it and how OpenOCD flashes it.
/// </summary>
public sealed record BoardFile
{
    public required string Name { get; init; }
    public required string Description { get; init; }
    public required string File { get; init; }
    public required string Target { get; init; }
    public required MemoryMap Memory { get; init; }
    public required string Clock { get; init; }
    public required ConsoleSettings Console { get; init; }
    public required IReadOnlyList<RegisterWrite> Init { get; init; }
    /// <summary>"dwt" (Cortex-M DWT_CYCCNT) or "mcycle" (RISC-V).</summary>
    public required string Cycles { get; init; }
    public QemuSettings? Qemu { get; init; }
    /// <summary>OpenOCD interface and target config files, when a debug probe flashes the board.</summary>
    public (string Interface, string Target)? OpenOcd { get; init; }
}
