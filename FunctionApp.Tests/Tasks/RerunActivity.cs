using System.Collections.Concurrent;
using System.Diagnostics;
using DurableTask.Core;

namespace McpFunctions.Tests.Tasks;

/// <summary>
/// On its first delivery it reports its start and then hangs until the test lets it go (the instance "dies" meanwhile);
/// on a later delivery it reports that delivery's start and returns at once.
/// </summary>
internal sealed class RerunActivity : AsyncTaskActivity<string, string>
{
    private static readonly ConcurrentDictionary<string, Delivery> Runs = new();

    public static Delivery Expect(string input) => Runs.GetOrAdd(input, _ => new Delivery());

    protected override async Task<string> ExecuteAsync(TaskContext context, string input)
    {
        var run = Expect(input);
        var attempt = context.DeliveryAttempt ?? 0;
        if (attempt <= 1)
        {
            run.FirstStarted.TrySetResult(Stopwatch.GetTimestamp());
            await run.Release.Task;
            return "first delivery";
        }

        run.RerunStarted.TrySetResult((Stopwatch.GetTimestamp(), attempt));
        return $"re-run on delivery {attempt}";
    }

    public sealed class Delivery
    {
        public TaskCompletionSource<long> FirstStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource<(long At, long Attempt)> RerunStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
