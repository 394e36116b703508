using System.Collections.Concurrent;

namespace McpFunctions.Sessions.Streams;

/// <summary>The server-to-client streams held by this instance, by session id (at most one per session).</summary>
internal sealed class SessionStreams
{
    private readonly ConcurrentDictionary<string, ISessionStream> _streams = new(StringComparer.Ordinal);

    public int Count => _streams.Count;

    /// <summary>Raised after a stream is attached (the relay pump switches to its fast interval).</summary>
    public event Action? Attached;

    /// <summary>Registers the stream, closing any older stream of the same session here; dispose to unregister.</summary>
    public IDisposable Attach(string sessionId, ISessionStream stream)
    {
        ISessionStream? previous = null;
        _streams.AddOrUpdate(sessionId, stream, (_, old) =>
        {
            previous = old;
            return stream;
        });
        if (previous is not null && !ReferenceEquals(previous, stream))
        {
            previous.Close();
        }

        Attached?.Invoke();
        return new Registration(this, sessionId, stream);
    }

    public bool TryGet(string sessionId, out ISessionStream stream) => _streams.TryGetValue(sessionId, out stream!);

    /// <summary>Closes and forgets the session's stream, if this instance holds one.</summary>
    public void Close(string sessionId)
    {
        if (_streams.TryRemove(sessionId, out var stream))
        {
            stream.Close();
        }
    }

    private sealed class Registration(SessionStreams owner, string sessionId, ISessionStream stream) : IDisposable
    {
        public void Dispose() => owner._streams.TryRemove(new KeyValuePair<string, ISessionStream>(sessionId, stream));
    }
}
