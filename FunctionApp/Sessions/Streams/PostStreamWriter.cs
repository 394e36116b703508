using System.Net.ServerSentEvents;
using McpFunctions.Mcp;

namespace McpFunctions.Sessions.Streams;

/// <summary>Stores one POST response stream's events; one instance, one writer per stream.</summary>
/// <remarks>
/// Events go to the SDK at once and are stored in the background, in order, batched into entity-group
/// transactions. Nothing is stored during the first <see cref="EventStoreOptions.EventPersistDelay"/>: a call that
/// completes and whose response fully reached the client in that time is never stored at all. After that, or as
/// soon as the stream switches to polling, every event is stored as it comes.
/// </remarks>
internal sealed class PostStreamWriter : ISseEventStreamWriter
{
    private readonly EventStreamStore _store;
    private readonly string _sessionId;
    private readonly string _session;
    private readonly string _stream;
    private readonly DeliveryTicket? _delivery = StreamDeliveries.Current;
    private readonly Lock _gate = new();
    // Messages are kept as objects and serialized only if they are stored: most never are.
    private readonly List<(long Sequence, string Id, string? EventType, JsonRpcMessage? Data, TimeSpan? Retry)> _pending = [];
    private long _sequence;
    private bool _polling;
    private bool _completed;
    private bool _persisting;
    private bool _delayScheduled;
    private long _waitTicket;
    private Task _flushing = Task.CompletedTask;

    public PostStreamWriter(EventStreamStore store, string sessionId, string streamId, bool polling)
    {
        _store = store;
        _sessionId = sessionId;
        _session = EventIds.Encode(sessionId);
        _stream = EventIds.Encode(streamId);
        _polling = _persisting = polling;
        // Most responses are delivered within milliseconds: drop their buffered events then, rather than
        // holding them for the whole persist delay (long enough to push them into older GC generations).
        _delivery?.OnDelivered(DropIfDone);
    }

    public ValueTask SetModeAsync(SseEventStreamMode mode, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            _polling = mode == SseEventStreamMode.Polling;
            _persisting |= _polling; // the client will come back for the events: store them now
        }

        Changed();
        return ValueTask.CompletedTask;
    }

    public ValueTask<SseItem<JsonRpcMessage?>> WriteEventAsync(SseItem<JsonRpcMessage?> sseItem, CancellationToken cancellationToken = default)
    {
        if (sseItem.EventId is not null)
        {
            return ValueTask.FromResult(sseItem);
        }

        SseItem<JsonRpcMessage?> stamped;
        lock (_gate)
        {
            var sequence = ++_sequence;
            var id = EventIds.PostStream(_session, _stream, sequence);
            stamped = new SseItem<JsonRpcMessage?>(sseItem.Data, sseItem.EventType) { EventId = id, ReconnectionInterval = sseItem.ReconnectionInterval };

            // Past the cap only the reply itself is stored, so a resumed stream still ends with the result.
            if (sequence <= _store.MaxEvents || sseItem.Data is JsonRpcResponse or JsonRpcError)
            {
                _pending.Add((sequence, id, sseItem.EventType, sseItem.Data, sseItem.ReconnectionInterval));
            }
        }

        Changed();
        return ValueTask.FromResult(stamped);
    }

    public ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            _completed = true;
        }

        DropIfDone();
        Changed();
        return ValueTask.CompletedTask;
    }

    /// <summary>The persist delay passed (called by <see cref="PersistDelayQueue"/>).</summary>
    public void DelayElapsed()
    {
        lock (_gate)
        {
            _waitTicket = 0;
            if (Done)
            {
                _pending.Clear();
                return;
            }

            _persisting = true;
            Flush();
        }
    }

    /// <summary>The stream is complete and its whole response reached the client: it will never be replayed.</summary>
    private bool Done => _completed && _delivery?.Delivered == true;

    /// <summary>Forgets the events of a stream that is <see cref="Done"/> before anything was stored.</summary>
    private void DropIfDone()
    {
        lock (_gate)
        {
            if (Done && !_persisting)
            {
                _pending.Clear();
                _pending.Capacity = 0;
                if (_waitTicket != 0)
                {
                    _store.DelayQueue.StopWaiting(_waitTicket);
                    _waitTicket = 0;
                }
            }
        }
    }

    private void Changed()
    {
        lock (_gate)
        {
            if (_persisting || _store.DelayQueue.Delay <= TimeSpan.Zero)
            {
                _persisting = true;
                Flush();
            }
            else if (!_delayScheduled)
            {
                _delayScheduled = true;
                _waitTicket = _store.DelayQueue.Wait(this);
            }
        }
    }

    /// <summary>Chains one background write after another so events are stored in order. Called under the lock.</summary>
    private void Flush() => _flushing = _flushing.ContinueWith(_ => WriteAsync(), TaskScheduler.Default).Unwrap();

    private async Task WriteAsync()
    {
        List<(long, StoredEvent)> batch;
        PostStreamState state;
        lock (_gate)
        {
            batch = _pending
                .Select(e => (e.Sequence, new StoredEvent(e.Id, e.EventType, e.Data is null ? null : JsonRpcMessages.Serialize(e.Data), e.Retry)))
                .ToList();
            _pending.Clear();
            state = new PostStreamState(_polling, _completed, _store.InstanceId);
        }

        try
        {
            await _store.Events.WritePostEventsAsync(_sessionId, _stream, batch, state, CancellationToken.None);
        }
        catch (Exception e)
        {
            _store.Logger.LogWarning("Storing {Count} events of session {SessionId} failed: {Reason}", batch.Count, _sessionId, e.GetType().Name);
        }
    }
}
