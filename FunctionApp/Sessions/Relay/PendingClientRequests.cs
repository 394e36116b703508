using System.Collections.Concurrent;
using Azure;
using Azure.Data.Tables;
using McpFunctions.Mcp;
using McpFunctions.Sessions.Cluster;
using McpFunctions.Storage;

namespace McpFunctions.Sessions.Relay;

/// <summary>
/// Requests this instance sent to clients (elicitation, sampling, roots) and is waiting on. The client's answer is
/// a new POST that may reach any instance; the instance it reaches finds the waiting one here and relays it there.
/// </summary>
/// <remarks>Rows live in the session's partition of the sessions table: RowKey <c>pending|{request id}</c>.</remarks>
internal sealed class PendingClientRequests(
    StorageTables tables,
    RelayInbox relay,
    LocalInstance self,
    InstanceRegistry instances,
    TimeProvider time,
    ILogger<PendingClientRequests> logger)
{
    private readonly ConcurrentDictionary<(string Session, string Request), byte> _here = new();

    public int Count => _here.Count;

    /// <summary>Raised when this instance starts waiting for a client's answer (the relay pump switches to its fast interval).</summary>
    public event Action? Recorded;

    /// <summary>The instance waiting for this answer, or null when none is recorded.</summary>
    public async Task<string?> FindAsync(string sessionId, string requestId, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(StorageNames.Sessions, cancellationToken);
        var row = await table.GetEntityIfExistsAsync<TableEntity>(sessionId, Row(requestId), cancellationToken: cancellationToken);
        return row.HasValue ? row.Value!.GetString("Instance") : null;
    }

    /// <summary>Outgoing filter: records each server-to-client request before it leaves.</summary>
    /// <remarks>Responses and notifications (nearly every message) go straight on, without an async state machine.</remarks>
    public McpMessageHandler RecordOutgoing(McpMessageHandler next) => (context, cancellationToken) =>
        context.JsonRpcMessage is JsonRpcRequest request && context.Server.SessionId is { Length: > 0 } sessionId
            ? RecordThenSendAsync(next, context, request, sessionId, cancellationToken)
            : next(context, cancellationToken);

    private async Task RecordThenSendAsync(McpMessageHandler next, MessageContext context, JsonRpcRequest request, string sessionId, CancellationToken cancellationToken)
    {
        var requestId = request.Id.ToString();
        _here[(sessionId, requestId)] = 0;
        Recorded?.Invoke();
        var table = await tables.GetAsync(StorageNames.Sessions, cancellationToken);
        await table.UpsertEntityAsync(new TableEntity(sessionId, Row(requestId)) { ["Instance"] = self.Id, ["Method"] = request.Method }, TableUpdateMode.Replace, cancellationToken);
        await next(context, cancellationToken);
    }

    /// <summary>
    /// Incoming filter: an answer to a request asked here completes it; an answer to a request another instance
    /// asked is relayed to that instance (the client may post its answer anywhere) instead of being dropped.
    /// </summary>
    public McpMessageHandler RouteAnswers(McpMessageHandler next) => (context, cancellationToken) =>
        context.JsonRpcMessage is JsonRpcMessageWithId { } answer and (JsonRpcResponse or JsonRpcError)
        && context.Server.SessionId is { Length: > 0 } sessionId
            ? RouteAnswerAsync(next, context, answer, sessionId, cancellationToken)
            : next(context, cancellationToken);

    private async Task RouteAnswerAsync(McpMessageHandler next, MessageContext context, JsonRpcMessageWithId answer, string sessionId, CancellationToken cancellationToken)
    {
        var requestId = answer.Id.ToString();
        if (_here.TryRemove((sessionId, requestId), out _))
        {
            await ForgetAsync(sessionId, requestId, cancellationToken);
        }
        else if (await FindAsync(sessionId, requestId, cancellationToken) is { } waiting
                 && waiting != self.Id
                 && await instances.IsAliveAsync(waiting, cancellationToken))
        {
            var body = JsonRpcMessages.Serialize(context.JsonRpcMessage);
            var version = context.JsonRpcMessage.Context?.ProtocolVersion;
            await relay.EnqueueAsync(waiting, new RelayMessage(RelayKinds.ClientResponse, sessionId, body, version, time.GetUtcNow()), cancellationToken);
            logger.LogDebug("Relayed an answer for session {SessionId} to instance {Instance}", sessionId, waiting);
            return;
        }

        await next(context, cancellationToken);
    }

    private async Task ForgetAsync(string sessionId, string requestId, CancellationToken cancellationToken)
    {
        try
        {
            var table = await tables.GetAsync(StorageNames.Sessions, cancellationToken);
            await table.DeleteEntityAsync(sessionId, Row(requestId), ETag.All, cancellationToken);
        }
        catch (RequestFailedException e)
        {
            logger.LogDebug("Could not remove pending request row: {Status}", e.Status);
        }
    }

    private static string Row(string requestId) => "pending|" + StorageKey.Encode(requestId);

    /// <summary>Adds the filters to the server options (the SDK's filter builder cannot take DI services).</summary>
    internal sealed class Filters(PendingClientRequests pending) : IConfigureOptions<McpServerOptions>
    {
        public void Configure(McpServerOptions options)
        {
            options.Filters.Message.OutgoingFilters.Add(pending.RecordOutgoing);
            options.Filters.Message.IncomingFilters.Add(pending.RouteAnswers);
        }
    }
}
