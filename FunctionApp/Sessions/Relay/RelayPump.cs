using System.Net.Http.Headers;
using System.Text;
using McpFunctions.Auth;
using McpFunctions.Mcp;
using McpFunctions.Sessions.Cluster;
using McpFunctions.Sessions.LegacySse;
using McpFunctions.Sessions.State;
using McpFunctions.Sessions.Streams;
using McpFunctions.Telemetry;

namespace McpFunctions.Sessions.Relay;

/// <summary>
/// Works through this instance's relay inbox: fast while it holds streams or waits for client answers, slowly
/// otherwise. Requests that the SDK must see (a client's answer, a session's end) are replayed to this process's
/// own listener, marked with the per-process relay secret.
/// </summary>
internal sealed class RelayPump(
    RelayInbox inbox,
    LocalInstance self,
    RelayedUser.Secret relaySecret,
    SessionStore sessions,
    SessionStreams streams,
    SessionNotifier notifier,
    SessionLifecycle lifecycle,
    PendingClientRequests pending,
    IHttpClientFactory httpClients,
    TimeProvider time,
    IOptionsMonitor<RelayOptions> options,
    ILogger<RelayPump> logger) : BackgroundService
{
    public const string HttpClientName = "relay-replay";

    private readonly SemaphoreSlim _wake = new(0);
    private volatile bool _waitingIdle;

    /// <summary>
    /// This instance just began to hold a stream or wait for a client's answer: if the pump is in its slow (idle)
    /// wait, poll now and continue at the fast interval, so the first relayed message does not wait up to the idle
    /// interval.
    /// </summary>
    private void BecameBusy()
    {
        if (_waitingIdle && _wake.CurrentCount == 0)
        {
            _wake.Release();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        streams.Attached += BecameBusy;
        pending.Recorded += BecameBusy;
        try
        {
            await PumpAsync(stoppingToken);
        }
        finally
        {
            streams.Attached -= BecameBusy;
            pending.Recorded -= BecameBusy;
        }
    }

    private async Task PumpAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var handled = 0;
            try
            {
                handled = await DrainOnceAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                logger.LogWarning("Relay inbox poll failed: {Reason}", e.GetType().Name);
            }

            if (handled > 0)
            {
                continue; // more may be waiting
            }

            var settings = options.CurrentValue;
            var busy = streams.Count > 0 || pending.Count > 0;
            _waitingIdle = !busy;
            try
            {
                await _wake.WaitAsync(busy ? settings.RelayPollInterval : settings.RelayIdlePollInterval, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            finally
            {
                _waitingIdle = false;
            }
        }
    }

    private async Task<int> DrainOnceAsync(CancellationToken cancellationToken)
    {
        var batch = await inbox.PeekAsync(self.Id, 100, cancellationToken);
        foreach (var (rowKey, message, blobName) in batch)
        {
            try
            {
                await HandleAsync(message, cancellationToken);
                var latency = (time.GetUtcNow() - message.EnqueuedAt).TotalMilliseconds;
                McpFunctionsMetrics.RelayDeliveryLatency.Record(latency, new KeyValuePair<string, object?>("kind", message.Kind));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning("Relayed {Kind} for session {SessionId} could not be handled: {Reason}", message.Kind, message.SessionId, e.GetType().Name);
            }

            await inbox.CompleteAsync(self.Id, rowKey, blobName, cancellationToken);
        }

        return batch.Count;
    }

    private async Task HandleAsync(RelayMessage message, CancellationToken cancellationToken)
    {
        switch (message.Kind)
        {
            case RelayKinds.Notify when message.Body is not null:
                var session = await sessions.GetAsync(message.SessionId, cancellationToken);
                var notification = JsonRpcMessages.Deserialize(message.Body);
                if (session is not null && notification is not null)
                {
                    await notifier.DeliverHereAsync(session, notification, cancellationToken);
                }

                break;

            case RelayKinds.SseMessage when message.Body is not null:
                if (streams.TryGet(message.SessionId, out var stream) && stream is LegacySseStream sse
                    && JsonRpcMessages.Deserialize(message.Body) is { } clientMessage)
                {
                    await sse.ReceiveAsync(clientMessage, cancellationToken);
                }

                break;

            case RelayKinds.ClientResponse when message.Body is not null:
                // Fresh: the answer is replayed as the session's owner, so the session must still exist.
                if (await sessions.GetAsync(message.SessionId, cancellationToken, fresh: true) is { } answered)
                {
                    await ReplayAsync(HttpMethod.Post, message, message.Body, answered.OwnerClaims, cancellationToken);
                }

                break;

            case RelayKinds.SessionEnded when message.Body is not null:
                lifecycle.ForgetHere(message.SessionId);
                // Let the SDK dispose its in-memory copy, if this instance ever migrated the session. The row is
                // gone by now; the message carries the owner's claims, so the SDK accepts the DELETE.
                await ReplayAsync(HttpMethod.Delete, message, body: null, message.Body, cancellationToken);
                break;
        }
    }

    /// <summary>Sends the request to this process's own listener, so the SDK handles it as if the client had sent it here.</summary>
    private async Task ReplayAsync(HttpMethod method, RelayMessage message, string? body, string ownerClaims, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, new Uri(self.LocalBaseAddress, McpRoutes.StreamableHttp));
        RelayedUser.Sign(request, relaySecret, ownerClaims);
        request.Headers.Add("Mcp-Session-Id", message.SessionId);
        if (!string.IsNullOrEmpty(message.ProtocolVersion))
        {
            request.Headers.Add("MCP-Protocol-Version", message.ProtocolVersion);
        }

        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, new MediaTypeHeaderValue("application/json"));
        }

        using var response = await httpClients.CreateClient(HttpClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        logger.LogDebug("Replayed {Kind} for session {SessionId}: {Status}", message.Kind, message.SessionId, (int)response.StatusCode);
    }
}
