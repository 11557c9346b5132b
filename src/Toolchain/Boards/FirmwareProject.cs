using System.Globalization;
using System.Text;
using TruncEdge.Compiler;
using TruncEdge.Compiler.Program;
using TruncEdge.Emitter;
using TruncEdge.Model.Diagnostics;
using TruncEdge.Toolchain.Workflow;

namespace TruncEdge.Toolchain.Boards;

/// <summary>
/// A complete CMake firmware project for a board (`truncedge compile --board NAME`,
/// docs/boards.md): the emitted model as a library in model/, a main that runs it on a stored
/// sample and prints the class and the cycle count, and lets the console change the weight bit
/// width at run time; the board's start-up, console driver and linker map from its board file.
/// Builds to firmware.elf, .bin and .hex. Written atomically: nothing is left on failure.
/// </summary>
public sealed class FirmwareProject(TargetCatalog catalog)
{
    public const string ModelDirectory = "model";

    public EmittedFolder Emit(CompiledModel model, BoardFile board, byte[] sample, string sampleSource, string commandLine = "")
    {
        var target = catalog.Get(board.Target);
        var input = model.Program.InputTensor;
        if (sample.Length != input.Shape.Size)
        {
            throw new DiagnosticException(ToolchainDiagnosticCodes.BadSample,
                $"{sample.Length} bytes, expected one input of the model: {input.Shape.Size} uint8 codes ({input.Shape}, HWC)", sampleSource);
        }
        // The fit check and the C are the board's: its own flash and RAM, not the QEMU machine's.
        var onBoard = target with
        {
            Memory = board.Memory,
            Board = new Board(board.Name, board.Description, board.Memory.Flash.Size, board.Memory.Ram.Size),
        };
        var library = new FirmwareFolder(catalog).Emit(model, onBoard, EmitOptions.DefaultPrefix, commandLine);
        var files = library.Files.Select(f => new EmittedFile(ModelDirectory + "/" + f.Path, f.Content)).ToList();
        var firmware = new BoardCatalog(catalog).FirmwareDirectory;
        var startup = board.Cycles == "mcycle" ? "startup_riscv.c" : "startup_cortex_m.c";
        foreach (var name in new[] { "main.c", "board.c", "board.h", board.Console.DriverFile, startup })
            files.Add(new EmittedFile(name, Read(Path.Combine(firmware, name))));
        files.Add(new EmittedFile("te_firmware.ld", Read(Path.Combine(catalog.CommonDirectory, "te_firmware.ld"))));
        files.Add(new EmittedFile("board_config.h", BoardConfig(board, model.Program)));
        files.Add(new EmittedFile("sample.h", SampleHeader(sample, sampleSource)));
        files.Add(new EmittedFile("CMakeLists.txt", CMakeLists(board, target, startup, commandLine)));
        return new EmittedFolder(EmitOptions.DefaultPrefix, files);
    }

    public EmittedFolder Write(CompiledModel model, BoardFile board, byte[] sample, string sampleSource, string outputDirectory, string commandLine = "")
    {
        var folder = Emit(model, board, sample, sampleSource, commandLine);
        OutputFolderWriter.Write(folder, outputDirectory);
        return folder;
    }

    /// <summary>The sample a project stores when the user gives none: seeded random codes.</summary>
    public static byte[] DefaultSample(IntegerProgram program)
    {
        var bytes = new byte[program.InputTensor.Shape.Size];
        new Random(1).NextBytes(bytes);
        return bytes;
    }

    private static string Read(string path) => File.ReadAllText(path).Replace("\r\n", "\n", StringComparison.Ordinal);

    private static string Hex(ulong v) => "0x" + v.ToString("X8", CultureInfo.InvariantCulture) + "u";

    private static string BoardConfig(BoardFile board, IntegerProgram program)
    {
        var sb = new StringBuilder();
        sb.Append("/*\n * board_config.h - board ").Append(board.Name).Append(", from ").Append(Path.GetFileName(board.File)).Append(".\n");
        sb.Append(" * ").Append(board.Description).Append("\n * clock: ").Append(board.Clock).Append("\n */\n");
        sb.Append("#ifndef TE_BOARD_CONFIG_H\n#define TE_BOARD_CONFIG_H\n\n#include <stdint.h>\n\n");
        sb.Append("#define TE_BOARD_NAME \"").Append(board.Name).Append("\"\n");
        sb.Append("#define TE_FW_MODEL \"").Append(CText(program.Name)).Append("\"\n\n");
        sb.Append("/* console: ").Append(board.Console.Kind).Append(", ").Append(board.Console.What).Append(" */\n");
        sb.Append("#define TE_CONSOLE_BASE ").Append(Hex(board.Console.Base)).Append('\n');
        sb.Append("#define TE_CONSOLE_DIVISOR ").Append(board.Console.Divisor.ToString(CultureInfo.InvariantCulture)).Append("u\n\n");
        sb.Append(board.Cycles == "dwt" ? "#define TE_BOARD_CYCLES_DWT 1\n\n" : "#define TE_BOARD_CYCLES_MCYCLE 1\n\n");
        sb.Append("/* start-up register writes, in order: reg = (reg & ~mask) | value */\n");
        sb.Append("#define TE_BOARD_INIT_COUNT ").Append(board.Init.Count.ToString(CultureInfo.InvariantCulture)).Append("u\n");
        sb.Append("#define TE_BOARD_INIT_WRITES");
        foreach (var w in board.Init)
            sb.Append(" \\\n    { ").Append(Hex(w.Register)).Append(", ").Append(Hex(w.Mask)).Append(", ").Append(Hex(w.Value)).Append(" }, /* ").Append(CText(w.What)).Append(" */");
        sb.Append("\n\n/* what model_invoke writes */\ntypedef ").Append(program.OutputTensor.Kind == ElementKind.Code ? "uint8_t" : "int32_t").Append(" te_fw_output_t;\n");
        sb.Append("\n#endif /* TE_BOARD_CONFIG_H */\n");
        return sb.ToString();
    }

    private static string SampleHeader(byte[] sample, string source)
    {
        var sb = new StringBuilder();
        sb.Append("/* sample.h - the input main.c runs the model on: ").Append(CText(source)).Append(" (uint8 codes, HWC). */\n");
        sb.Append("#ifndef TE_SAMPLE_H\n#define TE_SAMPLE_H\n\n#include \"model.h\"\n\nstatic const uint8_t te_sample[MODEL_INPUT_SIZE] = {\n");
        for (var i = 0; i < sample.Length; i += 16)
            sb.Append("    ").Append(string.Join(", ", sample.Skip(i).Take(16).Select(b => b.ToString(CultureInfo.InvariantCulture)))).Append(",\n");
        sb.Append("};\n\n#endif /* TE_SAMPLE_H */\n");
        return sb.ToString();
    }

    private static string CMakeLists(BoardFile board, Target target, string startup, string commandLine)
    {
        var m = board.Memory;
        var defsyms = string.Join(",", $"--defsym=__te_flash_origin={Hex(m.Flash.Origin)[..^1]}", $"--defsym=__te_flash_size={Hex(m.Flash.Size)[..^1]}",
            $"--defsym=__te_ram_origin={Hex(m.Ram.Origin)[..^1]}", $"--defsym=__te_ram_size={Hex(m.Ram.Size)[..^1]}", $"--defsym=__te_stack_size={Hex(m.StackBytes)[..^1]}");
        var libc = target.CFlags.FirstOrDefault(f => f.StartsWith("--specs=", StringComparison.Ordinal)) ?? "";
        return $$"""
            # Generated by TruncEdge {{FirmwareFolder.ToolVersion}}: {{commandLine}}
            #
            # Firmware for {{board.Name}}: {{board.Description}}.
            # model/ is the compiled model (a static library, its own README); main.c runs it on the
            # sample of sample.h, prints the class and the cycle count on the console, and a key 1..8
            # sets the weight bit width and runs again.
            #
            #   cmake -S . -B build --toolchain {{ModelDirectory}}/cmake/{{target.Name}}.cmake
            #   cmake --build build          -> build/firmware.elf, firmware.bin, firmware.hex
            #
            # Memory ({{Path.GetFileName(board.File)}}): flash {{Hex(m.Flash.Origin)[..^1]}} + {{m.Flash.Size}} B, RAM {{Hex(m.Ram.Origin)[..^1]}} + {{m.Ram.Size}} B, stack {{m.StackBytes}} B.
            cmake_minimum_required(VERSION 3.13)
            project(truncedge_firmware LANGUAGES C)
            if(NOT CMAKE_BUILD_TYPE)
                set(CMAKE_BUILD_TYPE Release CACHE STRING "Release, MinSizeRel or Debug" FORCE)
            endif()

            # the firmware's C library (its headers for the model too; the model's own build sets no libc)
            add_compile_options({{libc}})
            add_subdirectory({{ModelDirectory}})

            add_executable(firmware main.c board.c {{board.Console.DriverFile}} {{startup}})
            set_target_properties(firmware PROPERTIES SUFFIX ".elf" C_STANDARD 99 C_STANDARD_REQUIRED ON)
            target_include_directories(firmware PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
            target_link_libraries(firmware PRIVATE {{EmitOptions.DefaultPrefix}})
            target_link_options(firmware PRIVATE -nostartfiles {{libc}}
                -T${CMAKE_CURRENT_SOURCE_DIR}/te_firmware.ld
                "-Wl,{{defsyms}}"
                -Wl,--gc-sections -Wl,--print-memory-usage)
            add_custom_command(TARGET firmware POST_BUILD
                COMMAND ${CMAKE_OBJCOPY} -O binary $<TARGET_FILE:firmware> firmware.bin
                COMMAND ${CMAKE_OBJCOPY} -O ihex $<TARGET_FILE:firmware> firmware.hex
                BYPRODUCTS firmware.bin firmware.hex)

            """;
    }

    private static string CText(string s) => new(s.Select(c => c is >= ' ' and <= '~' && c != '"' && c != '\\' && c != '*' ? c : '?').ToArray());
}
