using Spectre.Console;
using TruncEdge.Toolchain.Verification;

namespace TruncEdge.Cli.Commands;

/// <summary>A live progress bar for long runs (only on an interactive terminal).</summary>
public static class ProgressView
{
    public static T Run<T>(IAnsiConsole console, string title, int total, Func<IProgress<VerifyProgress>, T> work)
    {
        if (!console.Profile.Capabilities.Interactive) return work(new Progress<VerifyProgress>(_ => { }));
        T result = default!;
        console.Progress().AutoClear(true).Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask(title, maxValue: total);
                result = work(new SyncProgress(p =>
                {
                    task.Description = $"{title}: {p.Stage}";
                    task.Value = p.SamplesDone;
                }));
            });
        return result;
    }

    /// <summary>Reports on the calling thread (Progress&lt;T&gt; would post to a thread pool).</summary>
    private sealed class SyncProgress(Action<VerifyProgress> report) : IProgress<VerifyProgress>
    {
        public void Report(VerifyProgress value) => report(value);
    }
}
