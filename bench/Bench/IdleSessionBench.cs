using System.Diagnostics;
using System.Diagnostics.Tracing;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.Parsers;
using Microsoft.Diagnostics.Tracing.Parsers.Clr;

namespace McpFunctions.Bench;

/// <summary>
/// What an idle session costs in process (<c>--idle-sessions N</c>): N sessions opened (initialize and initialized)
/// on McpFunctions and on the bare SDK server, then the live managed heap after a full GC, and RSS, right after they
/// were opened and again once they have been idle past McpFunctions' memory idle timeout.
/// </summary>
internal static class IdleSessionBench
{
    /// <summary>McpFunctions' memory idle timeout and sweep interval for this run, short so that the run is (the defaults are 2 and 5 min).</summary>
    private static readonly TimeSpan Idle = TimeSpan.FromSeconds(20);

    private static readonly TimeSpan Wait = TimeSpan.FromMinutes(1) + Idle * 2;

    public static async Task RunAsync(Azurite azurite, HttpClient http, int count, Action<string> log)
    {
        var servers = new[]
        {
            new ServerUnderTest("McpFunctions", "FunctionApp", "McpFunctions", new Dictionary<string, string>
            {
                ["ASPNETCORE_ENVIRONMENT"] = "Development",
                ["AzureWebJobsStorage"] = azurite.ConnectionString,
                ["RateLimits__McpRequestsPerMinute"] = "100000000",
                ["RateLimits__McpBurst"] = "100000000",
                ["Telemetry__Console"] = "false",
                ["Mcp__SessionMemoryIdleTimeout"] = Idle.ToString(),
                ["Mcp__SweepInterval"] = Idle.ToString(),
            }),
            new ServerUnderTest("BareServer", "bench/BareServer", "BareServer", new Dictionary<string, string> { ["ASPNETCORE_ENVIRONMENT"] = "Development" }),
        };

        Console.WriteLine();
        Console.WriteLine($"Idle sessions {DateTimeOffset.Now:yyyy-MM-dd HH:mm}: {count:N0} sessions opened (initialize + initialized), 16 at a time; live heap after a full GC, and RSS.");
        Console.WriteLine("| server | point | sessions | live heap MiB | RSS MiB | heap per session, bytes |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|");
        foreach (var server in servers)
        {
            // The SDK keeps at most 10,000 idle sessions (HttpServerTransportOptions.MaxIdleSessionCount) and drops the
            // oldest beyond that, so the bare server, which holds every session in memory, is measured just under it.
            var sessions = server.Name == "BareServer" ? Math.Min(count, 9_900) : count;
            var port = FreePort.Next();
            var endpoint = new Uri($"http://127.0.0.1:{port}/mcp");
            await using var process = server.Prepare(port, RuntimeVariant.AsPublished)();
            await McpWire.WaitUntilAnsweringAsync(http, endpoint, process);
            // A few sessions first, so that what the first one costs once (code, caches) is not counted per session.
            await OpenAsync(http, endpoint, 50);
            var before = await LiveHeapAsync(process.Id);
            Print(server.Name, "before", before, process.Id, null, sessions);

            var clock = Stopwatch.StartNew();
            await OpenAsync(http, endpoint, sessions);
            log($"idle sessions: {server.Name}: {sessions:N0} sessions opened in {clock.Elapsed.TotalSeconds:0} s");
            var opened = await LiveHeapAsync(process.Id);
            Print(server.Name, "just opened", opened, process.Id, before, sessions);

            // Past the memory idle timeout, and past the storage-fault grace of a cached row (1 min) with a sweep after it.
            await Task.Delay(Wait);
            var idle = await LiveHeapAsync(process.Id);
            Print(server.Name, $"idle {Wait.TotalSeconds:0} s", idle, process.Id, before, sessions);
        }
    }

    private static void Print(string server, string point, long heap, int pid, long? before, int count) =>
        Console.WriteLine($"| {server} | {point} | {count:N0} | {heap / 1048576.0:0.0} | {ProcessMemory.Read(pid).RssMiB:0.0} | {(before is { } b ? ((heap - b) / (double)count).ToString("0") : "")} |");

    private static async Task OpenAsync(HttpClient http, Uri endpoint, int count)
    {
        var next = 0;
        await Task.WhenAll(Enumerable.Range(0, 16).Select(async _ =>
        {
            while (Interlocked.Increment(ref next) <= count)
            {
                await McpWire.StartSessionAsync(http, endpoint, CancellationToken.None);
            }
        }));
    }

    /// <summary>
    /// The managed heap after a full, blocking GC, in bytes: an EventPipe session with the GC heap collect keyword
    /// makes the runtime collect (as dotnet-gcdump does), and the GC's heap statistics give what survived.
    /// </summary>
    private static async Task<long> LiveHeapAsync(int pid)
    {
        var client = new DiagnosticsClient(pid);
        var keywords = (long)(ClrTraceEventParser.Keywords.GC | ClrTraceEventParser.Keywords.GCHeapCollect);
        using var session = await client.StartEventPipeSessionAsync([new EventPipeProvider("Microsoft-Windows-DotNETRuntime", EventLevel.Informational, keywords)], requestRundown: false, circularBufferMB: 64);
        var heap = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        var induced = false;
        var reader = Task.Run(() =>
        {
            using var source = new EventPipeEventSource(session.EventStream);
            source.Clr.GCStart += e => induced |= e.Depth == 2 && e.Reason is GCReason.Induced or GCReason.InducedNotForced;
            source.Clr.GCHeapStats += e =>
            {
                if (induced)
                {
                    heap.TrySetResult(e.GenerationSize0 + e.GenerationSize1 + e.GenerationSize2 + e.GenerationSize3 + e.GenerationSize4);
                }
            };
            source.Process();
        });
        var result = await heap.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await session.StopAsync(CancellationToken.None);
        await reader;
        return result;
    }
}
