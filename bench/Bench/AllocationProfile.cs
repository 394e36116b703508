using System.Diagnostics.Tracing;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.Parsers;

namespace McpFunctions.Bench;

/// <summary>
/// What one server allocates per call under load, and what survives: the runtime's own GC events (allocation
/// ticks, GC starts, per-GC heap statistics) collected over EventPipe from the running server while one load
/// window runs. Allocation ticks are samples (one about every 100 KB), so bytes per call are estimates.
/// </summary>
internal static class AllocationProfile
{
    public static async Task<AllocationSummary> MeasureAsync(string server, int pid, LoadTest load, TimeSpan window, CancellationToken cancellationToken)
    {
        var trace = Path.Combine(BenchPaths.Results, $"gc-{server}-{load.Mode.Split(' ')[0].TrimEnd(',')}.nettrace");
        var client = new DiagnosticsClient(pid);
        var gc = new EventPipeProvider("Microsoft-Windows-DotNETRuntime", EventLevel.Verbose, (long)ClrTraceEventParser.Keywords.GC);
        LoadWindow measured;
        using (var session = await client.StartEventPipeSessionAsync([gc], requestRundown: false, circularBufferMB: 256, cancellationToken))
        {
            var copy = Task.Run(async () =>
            {
                await using var file = File.Create(trace);
                await session.EventStream.CopyToAsync(file, cancellationToken);
            }, cancellationToken);
            measured = await load.RunAsync(server, pid, 0, window, cancellationToken);
            await session.StopAsync(cancellationToken);
            await copy;
        }

        var calls = Math.Max(1, measured.Completed + measured.Failed);
        var byType = new Dictionary<string, long>(StringComparer.Ordinal);
        long allocated = 0, promotedFromGen0 = 0, promotedFromGen1 = 0;
        var collections = new int[3];
        using (var source = new EventPipeEventSource(trace))
        {
            source.Clr.GCAllocationTick += e =>
            {
                var type = e.TypeName is { Length: > 0 } name ? name : "(unknown)";
                byType[type] = byType.GetValueOrDefault(type) + e.AllocationAmount64;
                allocated += e.AllocationAmount64;
            };
            source.Clr.GCStart += e =>
            {
                if (e.Depth is >= 0 and <= 2)
                {
                    collections[e.Depth]++;
                }
            };
            // Per GC: bytes that survived gen0 (and gen1, when it was collected). Gen2 survivors are the live heap,
            // not promotion, so they are left out.
            source.Clr.GCHeapStats += e =>
            {
                promotedFromGen0 += e.TotalPromotedSize0;
                promotedFromGen1 += e.TotalPromotedSize1;
            };
            source.Process();
        }

        File.Delete(trace);
        return new AllocationSummary(
            server, load.Mode, calls, Stats.Round(measured.ServerCpuMicrosecondsPerCall, 1),
            allocated / calls, promotedFromGen0 / calls, promotedFromGen1 / calls,
            collections[0], collections[1], collections[2],
            byType.OrderByDescending(p => p.Value).Take(15).Select(p => new AllocatedType(p.Key, p.Value / calls)).ToList());
    }
}

/// <summary>Bytes per call (estimated from allocation samples) and GC counts for one server and mode over one window.</summary>
internal sealed record AllocationSummary(
    string Server,
    string Mode,
    long Calls,
    double ServerCpuMicrosecondsPerCall,
    long AllocatedBytesPerCall,
    long PromotedFromGen0BytesPerCall,
    long PromotedFromGen1BytesPerCall,
    int Gen0Collections,
    int Gen1Collections,
    int Gen2Collections,
    IReadOnlyList<AllocatedType> TopTypes);

internal sealed record AllocatedType(string Type, long BytesPerCall);
