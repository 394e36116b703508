namespace McpFunctions.Hosting;

/// <summary>
/// Lets a warning through at most once per interval, from any number of threads without a lock, so that a condition
/// hit on every request (a full queue, a storage stall) writes one log line a while rather than one per request.
/// </summary>
internal sealed class WarningThrottle(TimeSpan interval, TimeProvider time)
{
    private long _last = long.MinValue;

    /// <summary>True for the one caller that should log now.</summary>
    public bool Due()
    {
        var now = time.GetTimestamp();
        var last = Interlocked.Read(ref _last);
        return (last == long.MinValue || time.GetElapsedTime(last, now) >= interval)
            && Interlocked.CompareExchange(ref _last, now, last) == last;
    }
}
