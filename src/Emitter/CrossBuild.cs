namespace TruncEdge.Emitter;

/// <summary>
/// How the emitted Makefile and CMake toolchain file build the folder for a cross target by
/// default: the target's compiler and its CPU and float-ABI flags (targets/NAME/target.json, the
/// one place they are written), so that the library links into a firmware built for that part
/// (a Cortex-M4F firmware is hard-float).
/// </summary>
/// <param name="Compiler">The C compiler command, e.g. arm-none-eabi-gcc.</param>
/// <param name="CpuFlags">Code generation flags only: -mcpu, -mthumb, -mfloat-abi, -march ...;
/// no libc or linker flags, which belong to the firmware.</param>
public sealed record CrossBuild(string Compiler, IReadOnlyList<string> CpuFlags)
{
    /// <summary>The archiver that comes with <see cref="Compiler"/> (arm-none-eabi-gcc: arm-none-eabi-ar).</summary>
    public string Archiver => Compiler.EndsWith("gcc", StringComparison.Ordinal) ? Compiler[..^3] + "ar" : "ar";

    /// <summary>CMAKE_SYSTEM_PROCESSOR for the toolchain file.</summary>
    public string Processor => Compiler.StartsWith("riscv", StringComparison.Ordinal) ? "riscv" : "arm";
}
