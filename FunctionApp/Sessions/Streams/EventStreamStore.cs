using McpFunctions.Sessions.Cluster;

namespace McpFunctions.Sessions.Streams;

/// <summary>
/// The SDK's event store for POST response streams, on Table Storage, so a client that lost a response
/// stream can reconnect to any instance with <c>Last-Event-ID</c> and receive the events it missed.
/// </summary>
/// <remarks>
/// Ids are made and read by <see cref="EventIds"/>, events are stored by a <see cref="PostStreamWriter"/> per stream
/// (after <see cref="PersistDelayQueue"/>'s delay) and replayed by a <see cref="PostStreamReader"/>, which polls
/// until the writer marks the stream complete, or until the writing instance is no longer alive.
/// </remarks>
internal sealed class EventStreamStore(
    StreamEventTable events,
    PersistDelayQueue delayQueue,
    LocalInstance self,
    InstanceRegistry instances,
    TimeProvider time,
    IOptionsMonitor<EventStoreOptions> options,
    ILogger<EventStreamStore> logger) : ISseEventStreamStore
{
    public StreamEventTable Events => events;

    public PersistDelayQueue DelayQueue => delayQueue;

    public InstanceRegistry Instances => instances;

    public string InstanceId => self.Id;

    public TimeProvider Time => time;

    public EventStoreOptions Options => options.CurrentValue;

    public int MaxEvents => options.CurrentValue.MaxEventsPerStream;

    public ILogger Logger => logger;

    public ValueTask<ISseEventStreamWriter> CreateStreamAsync(SseEventStreamOptions streamOptions, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult<ISseEventStreamWriter>(new PostStreamWriter(this, streamOptions.SessionId, streamOptions.StreamId, streamOptions.Mode == SseEventStreamMode.Polling));

    public ValueTask<ISseEventStreamReader?> GetStreamReaderAsync(string lastEventId, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(EventIds.TryParsePostStream(lastEventId, out var sessionId, out var stream, out var sequence)
            ? new PostStreamReader(this, sessionId, stream, sequence)
            : (ISseEventStreamReader?)null);
}
