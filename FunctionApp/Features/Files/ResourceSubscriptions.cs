using System.Security.Claims;
using McpFunctions.Auth;
using McpFunctions.Sessions.State;

namespace McpFunctions.Features.Files;

/// <summary>
/// <c>resources/subscribe</c> and <c>unsubscribe</c>: recorded on the session row and in the caller's index, so any
/// instance finds the subscribers of a changed resource.
/// </summary>
internal static class ResourceSubscriptions
{
    public const int MaxSubscriptionsPerSession = 100;

    public static async ValueTask<EmptyResult> SubscribeAsync(RequestContext<SubscribeRequestParams> request, CancellationToken cancellationToken)
    {
        var (caller, uri) = Parse(request.User, request.Server, request.Params?.Uri);
        var services = request.Services!;
        var sessionId = RequireSession(request.Server);
        var updated = await services.GetRequiredService<SessionStore>().UpdateAsync(sessionId, session =>
        {
            var subscriptions = JsonSerializer.Deserialize<List<string>>(session.Subscriptions) ?? [];
            if (subscriptions.Contains(uri))
            {
                return false;
            }

            if (subscriptions.Count >= MaxSubscriptionsPerSession)
            {
                throw new McpProtocolException($"A session can subscribe to at most {MaxSubscriptionsPerSession} resources; unsubscribe from some first.", McpErrorCode.InvalidParams);
            }

            subscriptions.Add(uri);
            session.Subscriptions = JsonSerializer.Serialize(subscriptions);
            return true;
        }, cancellationToken) ?? throw SessionEnded();
        await services.GetRequiredService<SessionIndex>().AddSubscriptionAsync(caller.PartitionKey, updated.PartitionKey, uri, cancellationToken);
        return new EmptyResult();
    }

    public static async ValueTask<EmptyResult> UnsubscribeAsync(RequestContext<UnsubscribeRequestParams> request, CancellationToken cancellationToken)
    {
        var (caller, uri) = Parse(request.User, request.Server, request.Params?.Uri);
        var services = request.Services!;
        var sessionId = RequireSession(request.Server);
        _ = await services.GetRequiredService<SessionStore>().UpdateAsync(sessionId, session =>
        {
            var subscriptions = JsonSerializer.Deserialize<List<string>>(session.Subscriptions) ?? [];
            if (!subscriptions.Remove(uri))
            {
                return false;
            }

            session.Subscriptions = JsonSerializer.Serialize(subscriptions);
            return true;
        }, cancellationToken) ?? throw SessionEnded();
        await services.GetRequiredService<SessionIndex>().RemoveSubscriptionAsync(caller.PartitionKey, sessionId, uri, cancellationToken);
        return new EmptyResult();
    }

    /// <summary>A file URI (normalized) or the URI of a resource the server offers; anything else is InvalidParams.</summary>
    private static (Caller Caller, string Uri) Parse(ClaimsPrincipal? user, McpServer server, string? uri)
    {
        var caller = Caller.From(user);
        if (FileUri.TryParse(uri, out var name))
        {
            return (caller, FileUri.For(ItemName.Validate(name, "file name")));
        }

        if (uri is not null && server.ServerOptions.ResourceCollection is { } resources
            && (resources.TryGetPrimitive(uri, out _) || resources.Any(r => r.IsTemplated && r.IsMatch(uri))))
        {
            return (caller, uri);
        }

        throw new McpProtocolException($"'{uri}' is not a resource of this server; subscribe to {FileUri.Template} or a URI from resources/list.", McpErrorCode.InvalidParams);
    }

    private static string RequireSession(McpServer server) =>
        server.SessionId is { Length: > 0 } id
            ? id
            : throw new McpProtocolException("Subscriptions need a session: connect with the initialize handshake (or /sse) to subscribe.", McpErrorCode.InvalidRequest);

    private static McpProtocolException SessionEnded() =>
        new("The session has ended or expired. Initialize a new session.", McpErrorCode.InvalidRequest);
}
