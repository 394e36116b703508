using System.Collections.Concurrent;
using System.Diagnostics;

namespace McpFunctions.Tests.Tasks;

/// <summary>Tells a test when the activity for a given input started (a <see cref="Stopwatch"/> timestamp).</summary>
internal static class ActivityProbe
{
    private static readonly ConcurrentDictionary<string, TaskCompletionSource<long>> Waiting = new();

    public static TaskCompletionSource<long> Expect(string input) =>
        Waiting.GetOrAdd(input, _ => new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously));

    public static void Started(string input)
    {
        if (Waiting.TryRemove(input, out var started))
        {
            started.TrySetResult(Stopwatch.GetTimestamp());
        }
    }
}
