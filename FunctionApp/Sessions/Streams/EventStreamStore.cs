using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using McpFunctions.Mcp;
using McpFunctions.Sessions.Cluster;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace McpFunctions.Sessions.Streams;

/// <summary>
/// The SDK's event store for POST response streams, on Table Storage, so a client that lost a response
/// stream can reconnect to any instance with <c>Last-Event-ID</c> and receive the events it missed.
/// </summary>
/// <remarks>
/// Event ids are <c>p.{session}.{stream}.{sequence}</c> (session and stream base64url-encoded), so any instance can
/// locate the stream from the id alone. The writer hands events to the SDK at once and persists them in the
/// background, in order, batched into entity-group transactions; a reader polls until the writer marks the
/// stream complete, or until the writing instance is no longer alive.
/// </remarks>
public sealed class EventStreamStore(
    StreamEventTable events,
    LocalInstance self,
    InstanceRegistry instances,
    IOptionsMonitor<McpOptions> options,
    ILogger<EventStreamStore> logger) : ISseEventStreamStore
{
    public const string IdPrefix = "p.";

    private StreamEventTable Events { get; } = events;
    private string InstanceId { get; } = self.Id;
    private InstanceRegistry Instances { get; } = instances;
    private TimeSpan PollInterval => options.CurrentValue.RelayPollInterval * 4;
    private int MaxEvents => options.CurrentValue.MaxEventsPerStream;
    private TimeSpan PersistDelay => options.CurrentValue.EventPersistDelay;
    private ILogger Logger { get; } = logger;

    // Writers waiting out the persist delay. One loop serves them all: a timer per request costs measurably more at
    // thousands of calls per second. The queue of due times holds no references: a writer dropped at delivery
    // leaves the map at once and is collected young, instead of being kept (and promoted by the GC) until its
    // delay ends. The delay is the same for every writer, so the queue is in due order.
    private readonly Lock _waitGate = new();
    private readonly Queue<(long DueTicks, long Ticket)> _waiting = new();
    private readonly Dictionary<long, Writer> _waitingWriters = [];
    private long _lastTicket;
    private bool _waitLoopRunning;

    internal static readonly JsonTypeInfo<JsonRpcMessage> MessageJson =
        (JsonTypeInfo<JsonRpcMessage>)McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(JsonRpcMessage));

    public ValueTask<ISseEventStreamWriter> CreateStreamAsync(SseEventStreamOptions streamOptions, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult<ISseEventStreamWriter>(new Writer(this, streamOptions.SessionId, streamOptions.StreamId, streamOptions.Mode == SseEventStreamMode.Polling));

    public ValueTask<ISseEventStreamReader?> GetStreamReaderAsync(string lastEventId, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(TryParse(lastEventId, out var sessionId, out var stream, out var sequence)
            ? new Reader(this, sessionId, stream, sequence)
            : (ISseEventStreamReader?)null);

    public static bool IsPostStreamEventId(string? eventId) => eventId?.StartsWith(IdPrefix, StringComparison.Ordinal) == true;

    internal static bool TryParse(string eventId, out string sessionId, out string stream, out long sequence)
    {
        sessionId = stream = "";
        sequence = 0;
        var parts = eventId.Split('.');
        if (parts.Length != 4 || parts[0] != "p" || !long.TryParse(parts[3], out sequence) || sequence < 0)
        {
            return false;
        }

        try
        {
            sessionId = Encoding.UTF8.GetString(WebEncoders.Base64UrlDecode(parts[1]));
            stream = parts[2];
            return stream.Length > 0 && Encoding.UTF8.GetString(WebEncoders.Base64UrlDecode(stream)).Length > 0;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private static string Encode(string value) => WebEncoders.Base64UrlEncode(Encoding.UTF8.GetBytes(value));

    /// <summary>Calls <see cref="Writer.DelayElapsed"/> once the persist delay has passed, unless the writer stops waiting first.</summary>
    private long PersistLater(Writer writer)
    {
        lock (_waitGate)
        {
            var ticket = ++_lastTicket;
            _waiting.Enqueue((Environment.TickCount64 + (long)PersistDelay.TotalMilliseconds, ticket));
            _waitingWriters.Add(ticket, writer);
            if (!_waitLoopRunning)
            {
                _waitLoopRunning = true;
                _ = Task.Run(WaitLoopAsync);
            }

            return ticket;
        }
    }

    private void StopWaiting(long ticket)
    {
        lock (_waitGate)
        {
            _waitingWriters.Remove(ticket);
        }
    }

    /// <summary>Hands each waiting writer its delay's end, at most a tick late; stops when no writer waits.</summary>
    private async Task WaitLoopAsync()
    {
        var tick = TimeSpan.FromMilliseconds(Math.Clamp(PersistDelay.TotalMilliseconds / 5, 5, 100));
        var due = new List<Writer>();
        while (true)
        {
            await Task.Delay(tick);
            var now = Environment.TickCount64;
            lock (_waitGate)
            {
                while (_waiting.TryPeek(out var next) && next.DueTicks <= now)
                {
                    _waiting.Dequeue();
                    if (_waitingWriters.Remove(next.Ticket, out var writer))
                    {
                        due.Add(writer);
                    }
                }

                if (_waiting.Count == 0 && due.Count == 0)
                {
                    _waitLoopRunning = false;
                    return;
                }
            }

            foreach (var writer in due)
            {
                writer.DelayElapsed();
            }

            due.Clear();
        }
    }

    /// <summary>Writes one stream's events; one instance, one writer per stream.</summary>
    /// <remarks>
    /// Nothing is stored during the first <see cref="McpOptions.EventPersistDelay"/>: a call that completes and
    /// whose response fully reached the client in that time is never stored at all. After that, or as soon as
    /// the stream switches to polling, every event is stored as it comes.
    /// </remarks>
    private sealed class Writer : ISseEventStreamWriter
    {
        private readonly EventStreamStore store;
        private readonly string sessionId;
        private readonly DeliveryTicket? _delivery = StreamDeliveries.Current;
        private readonly object _gate = new();
        // Messages are kept as objects and serialized only if they are stored: most never are.
        private readonly List<(long Sequence, string Id, string? EventType, JsonRpcMessage? Data, TimeSpan? Retry)> _pending = [];
        private readonly string _stream;
        private readonly string _session;
        private long _sequence;
        private bool _polling;
        private bool _completed;
        private bool _persisting;
        private bool _delayScheduled;
        private long _waitTicket;
        private Task _flushing = Task.CompletedTask;

        public Writer(EventStreamStore store, string sessionId, string streamId, bool polling)
        {
            this.store = store;
            this.sessionId = sessionId;
            _stream = Encode(streamId);
            _session = Encode(sessionId);
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
                var id = $"{IdPrefix}{_session}.{_stream}.{sequence}";
                stamped = new SseItem<JsonRpcMessage?>(sseItem.Data, sseItem.EventType) { EventId = id, ReconnectionInterval = sseItem.ReconnectionInterval };

                // Past the cap only the reply itself is stored, so a resumed stream still ends with the result.
                if (sequence <= store.MaxEvents || sseItem.Data is JsonRpcResponse or JsonRpcError)
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
                        store.StopWaiting(_waitTicket);
                        _waitTicket = 0;
                    }
                }
            }
        }

        private void Changed()
        {
            lock (_gate)
            {
                if (_persisting || store.PersistDelay <= TimeSpan.Zero)
                {
                    _persisting = true;
                    Flush();
                }
                else if (!_delayScheduled)
                {
                    _delayScheduled = true;
                    _waitTicket = store.PersistLater(this);
                }
            }
        }

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

        /// <summary>Chains one background write after another so events are stored in order. Called under the lock.</summary>
        private void Flush() => _flushing = _flushing.ContinueWith(_ => WriteAsync(), TaskScheduler.Default).Unwrap();

        private async Task WriteAsync()
        {
            List<(long, StoredEvent)> batch;
            PostStreamState state;
            lock (_gate)
            {
                batch = _pending
                    .Select(e => (e.Sequence, new StoredEvent(e.Id, e.EventType, e.Data is null ? null : JsonSerializer.Serialize(e.Data, MessageJson), e.Retry)))
                    .ToList();
                _pending.Clear();
                state = new PostStreamState(_polling, _completed, _sequence, store.InstanceId);
            }

            try
            {
                await store.Events.WritePostEventsAsync(sessionId, _stream, batch, state, CancellationToken.None);
            }
            catch (Exception e)
            {
                store.Logger.LogWarning("Storing {Count} events of session {SessionId} failed: {Reason}", batch.Count, sessionId, e.GetType().Name);
            }
        }
    }

    /// <summary>Replays a stream from storage after a given sequence number.</summary>
    private sealed class Reader(EventStreamStore store, string sessionId, string stream, long after) : ISseEventStreamReader
    {
        public string SessionId => sessionId;

        public string StreamId => Encoding.UTF8.GetString(WebEncoders.Base64UrlDecode(stream));

        public async IAsyncEnumerable<SseItem<JsonRpcMessage?>> ReadEventsAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            var last = after;
            var started = DateTimeOffset.UtcNow;
            var idleSince = started;
            while (!cancellationToken.IsCancellationRequested)
            {
                // Read the state first: if it says complete, every event was written before it.
                var state = await store.Events.ReadPostStateAsync(sessionId, stream, cancellationToken);
                var batch = await store.Events.PostEventsAfterAsync(sessionId, stream, last, cancellationToken);
                foreach (var (sequence, stored) in batch)
                {
                    last = sequence;
                    var data = stored.Data is null ? null : JsonSerializer.Deserialize(stored.Data, MessageJson);
                    yield return new SseItem<JsonRpcMessage?>(data, stored.EventType) { EventId = stored.EventId, ReconnectionInterval = stored.ReconnectionInterval };
                }

                if (state is null && DateTimeOffset.UtcNow - started < store.PersistDelay + TimeSpan.FromSeconds(2))
                {
                    // The writer has not stored anything yet (it waits before the first write).
                    await Task.Delay(store.PollInterval, cancellationToken);
                    continue;
                }

                if (state is null || state.Completed || state.Polling)
                {
                    yield break;
                }

                if (batch.Count > 0)
                {
                    idleSince = DateTimeOffset.UtcNow;
                }
                else if (DateTimeOffset.UtcNow - idleSince > TimeSpan.FromSeconds(5)
                         && !await store.Instances.IsAliveAsync(state.WriterInstance, cancellationToken))
                {
                    // The instance writing this stream is gone; nothing more will come.
                    yield break;
                }

                await Task.Delay(store.PollInterval, cancellationToken);
            }
        }
    }
}
