using System.Buffers.Binary;
using TruncEdge.Model.Diagnostics;
using TruncEdge.Toolchain;

namespace TruncEdge.Toolchain.Tests;

public sealed class HarnessProtocolTests
{
    [Fact]
    public void Input_file_has_the_documented_layout()
    {
        var file = HarnessProtocol.WriteInput([[1, 2, 3], [4, 5, 6]], [8, 2], trace: true);
        Assert.Equal(24 + 6, file.Length);
        Assert.Equal(0x31494554u, BinaryPrimitives.ReadUInt32LittleEndian(file));
        Assert.Equal(2u, BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(4)));
        Assert.Equal(2u, BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(8)));
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(12)));
        Assert.Equal(new byte[] { 8, 2, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6 }, file[16..]);
    }

    [Fact]
    public void Output_file_with_traces_parses()
    {
        var w = new List<byte>();
        void U32(uint v) => w.AddRange(BitConverter.GetBytes(v));
        U32(0x314f4554); U32(1); U32(1); U32(2); U32(2);
        U32(0); U32(3); w.AddRange(new byte[] { 9, 8, 7, 0 });
        U32(1); U32(8); U32(5); U32(unchecked((uint)-6));
        U32(5); U32(unchecked((uint)-6));
        var r = HarnessProtocol.ReadOutput(w.ToArray(), 1, [4], trace: true, "out.bin");
        Assert.Equal([5, -6], r.Outputs[0][0]);
        Assert.Equal(new byte[] { 9, 8, 7 }, r.Traces![0][0][0]);
        Assert.Equal(8, r.Traces[0][0][1].Length);

        var truncated = w.ToArray()[..^2];
        var e = Assert.Throws<DiagnosticException>(() => HarnessProtocol.ReadOutput(truncated, 1, [4], true, "out.bin"));
        Assert.Equal(ToolchainDiagnosticCodes.BadHarnessOutput, e.Diagnostic.Code);
        Assert.Contains("ends inside the outputs", e.Message);
        Assert.Contains("has 4 bytes after", Assert.Throws<DiagnosticException>(() =>
            HarnessProtocol.ReadOutput([.. w, 1, 2, 3, 4], 1, [4], true, "out.bin")).Message);
        Assert.Contains("not 2 x 1", Assert.Throws<DiagnosticException>(() =>
            HarnessProtocol.ReadOutput(w.ToArray(), 2, [4], true, "out.bin")).Message);
    }

    [Theory]
    [InlineData(true, 13, ToolchainDiagnosticCodes.ModelError, "TE_ERR_BAD_BITS (-3)")]
    [InlineData(true, 12, ToolchainDiagnosticCodes.ModelError, "TE_ERR_ARENA_TOO_SMALL (-2)")]
    [InlineData(true, 2, ToolchainDiagnosticCodes.HarnessIoError, "rejected its input file")]
    [InlineData(true, 139, ToolchainDiagnosticCodes.GuestCrashed, "signal 11 (SIGSEGV)")]
    [InlineData(true, 86, ToolchainDiagnosticCodes.GuestCrashed, "a sanitizer stopped the harness")]
    [InlineData(false, 3, ToolchainDiagnosticCodes.GuestCrashed, "the guest crashed on 'cortex-m4' (QEMU mps2-an386)")]
    [InlineData(false, 1, ToolchainDiagnosticCodes.RunFailed, "QEMU failed")]
    [InlineData(false, 134, ToolchainDiagnosticCodes.GuestCrashed, "locked up")]
    [InlineData(false, 77, ToolchainDiagnosticCodes.RunFailed, "exited with status 77")]
    public void Exit_statuses_become_one_line_messages(bool host, int status, string code, string text)
    {
        var catalog = TargetCatalog.LoadDefault();
        var target = catalog.Get(host ? "host" : "cortex-m4");
        var result = new ProcessResult(status, "", "some detail\n" + (status == 134 ? "qemu: fatal: Lockup: can't escalate 3 to HardFault\n" : "second line\n"), TimeSpan.FromSeconds(1), false);
        var e = Assert.Throws<DiagnosticException>(() => HarnessRunner.Interpret(target, result, TimeSpan.FromSeconds(5)));
        Assert.Equal(code, e.Diagnostic.Code);
        Assert.Contains(text, e.Message);
        Assert.Contains(status == 134 ? "qemu: fatal: Lockup" : "some detail", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }
}
