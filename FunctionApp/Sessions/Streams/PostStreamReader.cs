using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using McpFunctions.Mcp;

namespace McpFunctions.Sessions.Streams;

/// <summary>Replays a POST response stream from storage after a given sequence number, following it until it completes.</summary>
internal sealed class PostStreamReader(EventStreamStore store, string sessionId, string encodedStream, long after) : ISseEventStreamReader
{
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

            if (state is null || state.Completed || state.Polling)
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
                yield break;
            }

            await Task.Delay(settings.EventReplayPollInterval, time, cancellationToken);
        }
    }
}
