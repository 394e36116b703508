using System.Collections.Concurrent;

namespace McpFunctions.Mcp;

/// <summary>
/// POST response streams whose whole response reached the client. Their buffered events need never be stored:
/// nobody will ask to replay them. This keeps short calls free of storage writes.
/// </summary>
public sealed class StreamDeliveries(TimeProvider time)
{
    private static readonly TimeSpan Keep = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<(string Session, string Stream), long> _delivered = new();

    public void MarkDelivered(string sessionId, string streamId)
    {
        _delivered[(sessionId, streamId)] = time.GetTimestamp();
        if (_delivered.Count > 10_000)
        {
            foreach (var (key, at) in _delivered)
            {
                if (time.GetElapsedTime(at) > Keep)
                {
                    _delivered.TryRemove(key, out _);
                }
            }
        }
    }

    /// <summary>True (once) when the stream was delivered; the mark is consumed.</summary>
    public bool TakeDelivered(string sessionId, string streamId) => _delivered.TryRemove((sessionId, streamId), out _);
}
