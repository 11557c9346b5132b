namespace TruncEdge.Toolchain;

/// <summary>
/// The stable diagnostic codes of TruncEdge.Toolchain, all in one place (docs/toolchain.md lists
/// them). TE50xx: targets and tools; TE51xx: builds; TE52xx: runs; TE53xx: sizes and fit;
/// TE54xx: instruction counting.
/// </summary>
public static class ToolchainDiagnosticCodes
{
    /// <summary>The targets folder, a target.json or tools.json is missing or unreadable.</summary>
    public const string TargetsNotFound = "TE5000";
    /// <summary>A target.json or tools.json is not valid JSON or breaks the schema.</summary>
    public const string BadTargetFile = "TE5001";
    /// <summary>No target has the requested name.</summary>
    public const string UnknownTarget = "TE5002";
    /// <summary>A command (compiler, QEMU, C library) a target needs is not installed.</summary>
    public const string ToolMissing = "TE5003";
    /// <summary>A process could not be started at all (or, once killed, did not exit).</summary>
    public const string CannotStart = "TE5004";

    /// <summary>The folder to build is not an emitted TruncEdge folder (missing model or harness files).</summary>
    public const string NotEmittedFolder = "TE5100";
    /// <summary>The compiler or linker failed.</summary>
    public const string BuildFailed = "TE5101";
    /// <summary>The build options do not suit the target (e.g. sanitizers on a QEMU target).</summary>
    public const string BadBuildOptions = "TE5102";

    /// <summary>The inputs or bit widths handed to a run are invalid.</summary>
    public const string BadRunInput = "TE5200";
    /// <summary>The run did not finish within its timeout.</summary>
    public const string Timeout = "TE5201";
    /// <summary>The guest crashed (HardFault, RISC-V trap, signal, sanitizer report, stack overflow).</summary>
    public const string GuestCrashed = "TE5202";
    /// <summary>A model call returned an error status.</summary>
    public const string ModelError = "TE5203";
    /// <summary>The harness rejected its input file or could not read or write a file.</summary>
    public const string HarnessIoError = "TE5204";
    /// <summary>The harness's output file is missing or malformed.</summary>
    public const string BadHarnessOutput = "TE5205";
    /// <summary>QEMU or the harness failed in a way the protocol does not describe.</summary>
    public const string RunFailed = "TE5206";

    /// <summary>The file is not an ELF image TruncEdge can read.</summary>
    public const string BadElf = "TE5300";
    /// <summary>The model does not fit the flash or RAM of the target's real board.</summary>
    public const string DoesNotFit = "TE5301";

    /// <summary>Instruction counting failed (plugin build, markers, QEMU).</summary>
    public const string CountFailed = "TE5400";

    // TE56xx: firmware projects for boards (targets/boards/*.json)
    /// <summary>No board of that name (the message lists the known boards).</summary>
    public const string UnknownBoard = "TE5600";
    /// <summary>A board file that does not follow the format (the message names the file and key).</summary>
    public const string BadBoardFile = "TE5601";
    /// <summary>--board given with a --target that is not the board's.</summary>
    public const string BoardTargetMismatch = "TE5602";
    /// <summary>The --sample file does not hold one input of the model.</summary>
    public const string BadSample = "TE5603";
}
