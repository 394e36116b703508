using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace McpFunctions.Telemetry;

/// <summary>
/// The app's own measurements (meter <c>McpFunctions</c>), only where no library records them: the session
/// mechanisms' storage round trips and session starts and ends. Calls, latencies per tool, HTTP requests, storage
/// calls and rate-limit rejections come from the MCP SDK's, ASP.NET Core's and HttpClient's meters.
/// </summary>
/// <remarks>Instruments without a listener cost a field read: nothing is timed unless a meter provider listens.</remarks>
internal static class McpFunctionsMetrics
{
    public const string Name = "McpFunctions";

    private static readonly Meter Meter = new(Name, typeof(McpFunctionsMetrics).Assembly.GetName().Version?.ToString(3));

    /// <summary>Time from enqueue on one instance to delivery on another, in milliseconds, by relay message kind.</summary>
    public static readonly Histogram<double> RelayDeliveryLatency = Meter.CreateHistogram<double>(
        "mcpfunctions.relay.delivery_latency", "ms", "Time from enqueue on one instance to delivery on another.");

    private static readonly Histogram<double> EventStoreDuration = Meter.CreateHistogram<double>(
        "mcpfunctions.event_store.duration", "s", "Duration of a resumable-stream event store read or write in Table Storage.");

    private static readonly Counter<long> SessionsStarted = Meter.CreateCounter<long>(
        "mcpfunctions.sessions.started", "{session}", "Sessions started (a row created), by transport.");

    private static readonly Counter<long> SessionsEnded = Meter.CreateCounter<long>(
        "mcpfunctions.sessions.ended", "{session}", "Sessions ended (deleted by the client or expired).");

    /// <summary>Times an event store operation until disposed: <c>using var _ = McpFunctionsMetrics.EventStore("…");</c></summary>
    public static MeasuredDuration EventStore(string operation) =>
        EventStoreDuration.Enabled ? new MeasuredDuration(EventStoreDuration, Stopwatch.GetTimestamp(), operation) : default;

    public static void SessionStarted(string transport)
    {
        if (SessionsStarted.Enabled)
        {
            SessionsStarted.Add(1, new KeyValuePair<string, object?>("mcpfunctions.session.transport", transport));
        }
    }

    public static void SessionEnded() => SessionsEnded.Add(1);
}
