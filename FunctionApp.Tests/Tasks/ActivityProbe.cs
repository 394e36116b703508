using System.Collections.Concurrent;
using System.Diagnostics;

namespace McpFunctions.Tests.Tasks;

/// <summary>Tells a test when the activity for a given input started and finished (<see cref="Stopwatch"/> timestamps).</summary>
internal static class ActivityProbe
{
    private static readonly ConcurrentDictionary<string, Probe> Waiting = new();

    public static Probe Expect(string input) => Waiting.GetOrAdd(input, _ => new Probe());

    public static void Started(string input)
    {
        if (Waiting.TryGetValue(input, out var probe))
        {
            probe.Started.TrySetResult(Stopwatch.GetTimestamp());
        }
    }

    public static void Finished(string input)
    {
        if (Waiting.TryRemove(input, out var probe))
        {
            probe.Finished.TrySetResult(Stopwatch.GetTimestamp());
        }
    }

    public sealed class Probe
    {
        public TaskCompletionSource<long> Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource<long> Finished { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
