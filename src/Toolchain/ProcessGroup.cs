using System.Runtime.InteropServices;

namespace TruncEdge.Toolchain;

/// <summary>
/// The process group of a tool started through setsid(1), whose id is the tool's pid: SIGKILLs
/// the whole group when the run is stopped (timeout or cancellation) and when TruncEdge itself
/// is interrupted, terminated or hung up, for the tool left the terminal's process group and no
/// longer gets the terminal's Ctrl-C or hangup. Disposing ends the watch, not the group.
/// </summary>
internal sealed class ProcessGroup : IDisposable
{
    private const int SigKill = 9;

    private readonly int id;
    private readonly CancellationTokenRegistration onStop;
    private readonly PosixSignalRegistration[] onSignal;

    public ProcessGroup(int leader, CancellationToken stop)
    {
        // kill(2) reads 0 and -1 as "our own group" and "every process we may signal".
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(leader, 1);
        id = leader;
        // Our handlers leave the signal's default action (ending TruncEdge) in place.
        onSignal = [.. new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM, PosixSignal.SIGHUP }
            .Select(s => PosixSignalRegistration.Create(s, _ => Kill()))];
        onStop = stop.Register(Kill);
    }

    public void Dispose()
    {
        onStop.Dispose();
        foreach (var r in onSignal) r.Dispose();
    }

    // ESRCH (the group is already gone) is the only failure we can meet, and it is fine.
    private void Kill() => _ = kill(-id, SigKill);

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);
}
