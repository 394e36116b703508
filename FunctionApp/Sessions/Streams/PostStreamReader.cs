using System.Globalization;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using McpFunctions.Mcp;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace McpFunctions.Sessions.Streams;

/// <summary>
/// Replays a POST response stream from storage after a given sequence number, following it until it completes. When
/// the instance writing it is gone before the response (killed, or reclaimed on scale-in), the replay ends with a
/// JSON-RPC error for the request, so that the client stops reconnecting and can retry: without it, the SDK clients
/// resume a cleanly ended stream for ever.
/// </summary>
internal sealed class PostStreamReader(EventStreamStore store, string sessionId, string encodedStream, long after) : ISseEventStreamReader
{
    public const string WriterGoneMessage =
        "The response to this request was lost (the server instance handling it stopped before it answered, or the " +
        "answer was not kept), so the request may or may not have taken effect. Retry it, with an idempotency key " +
        "where the tool takes one.";

    public string SessionId => sessionId;

    public string StreamId => EventIds.Decode(encodedStream);

    public async IAsyncEnumerable<SseItem<JsonRpcMessage?>> ReadEventsAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var settings = store.Options;
        var time = store.Time;
        var last = after;
        var started = time.GetTimestamp();
        var idleSince = started;
        while (!cancellationToken.IsCancellationRequested)
        {
            // Read the state first: if it says complete, every event was written before it.
            var state = await store.Events.ReadPostStateAsync(sessionId, encodedStream, cancellationToken);
            var batch = await store.Events.PostEventsAfterAsync(sessionId, encodedStream, last, cancellationToken);
            foreach (var (sequence, stored) in batch)
            {
                last = sequence;
                var data = stored.Data is null ? null : JsonRpcMessages.Deserialize(stored.Data);
                yield return new SseItem<JsonRpcMessage?>(data, stored.EventType) { EventId = stored.EventId, ReconnectionInterval = stored.ReconnectionInterval };
            }

            if (state is null && time.GetElapsedTime(started) < settings.EventPersistDelay + settings.EventFirstWriteGrace)
            {
                // The writer has not stored anything yet (it waits before the first write).
                await Task.Delay(settings.EventReplayPollInterval, time, cancellationToken);
                continue;
            }

            if (state is null)
            {
                // Nothing was ever stored: the writer died within its first write delay, or the stream expired.
                yield return WriterGone();
                yield break;
            }

            if (state.Completed || state.Polling)
            {
                yield break;
            }

            if (batch.Count > 0)
            {
                idleSince = time.GetTimestamp();
            }
            else if (time.GetElapsedTime(idleSince) > settings.EventWriterSilenceCheck
                     && !await store.Instances.IsAliveAsync(state.WriterInstance, cancellationToken))
            {
                // The instance writing this stream is gone; nothing more will come.
                yield return WriterGone();
                yield break;
            }

            await Task.Delay(settings.EventReplayPollInterval, time, cancellationToken);
        }
    }

    /// <summary>
    /// The error for the request this stream answers. The SDK names a POST stream after its request id's text, so an id
    /// of digits is taken as the number that the SDK clients (C#, TypeScript) send.
    /// </summary>
    private SseItem<JsonRpcMessage?> WriterGone()
    {
        var streamId = StreamId;
        var id = long.TryParse(streamId, NumberStyles.None, CultureInfo.InvariantCulture, out var number) ? new RequestId(number) : new RequestId(streamId);
        var error = new JsonRpcError
        {
            Id = id,
            Error = new JsonRpcErrorDetail { Code = (int)McpErrorCode.InternalError, Message = WriterGoneMessage },
        };
        return new SseItem<JsonRpcMessage?>(error, "message");
    }
}
