using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace McpFunctions.Telemetry;

/// <summary>Records the seconds since it was made into a histogram when disposed; the default value records nothing.</summary>
internal readonly struct MeasuredDuration(Histogram<double>? histogram, long started, string operation) : IDisposable
{
    public void Dispose() =>
        histogram?.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, new KeyValuePair<string, object?>("operation", operation));
}
