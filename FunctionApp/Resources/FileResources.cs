using System.ComponentModel;
using System.Security.Claims;
using System.Text.Json;
using McpFunctions.Auth;
using McpFunctions.Mcp;
using McpFunctions.Storage;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace McpFunctions.Resources;

/// <summary>The caller's files as MCP resources: listing, a read template, and change subscriptions.</summary>
[McpServerResourceType]
public sealed class FileResources
{
    [McpServerResource(UriTemplate = FileUri.Template, Name = "file", Title = "Your file")]
    [Description("One of your files, by name (as written with files_write). Text files are returned as text, other files as base64.")]
    public static async Task<ResourceContents> ReadFile(
        ClaimsPrincipal? user,
        UserFileStore files,
        McpServer server,
        [Description("The file name, percent-encoded in the URI.")] string name,
        CancellationToken cancellationToken)
    {
        var caller = Caller.From(user);
        var validName = AsProtocolError(() => ItemName.Validate(name, "file name"));
        var file = await files.ReadAsync(caller, validName, cancellationToken)
            ?? throw new McpProtocolException(
                $"Resource not found: there is no file named '{validName}'. List your files with resources/list or files_list.",
                ProtocolRevision.MissingResourceCode(server));

        var uri = FileUri.For(validName);
        return UserFileStore.IsTextual(file.File.MimeType)
            ? new TextResourceContents { Uri = uri, MimeType = file.File.MimeType, Text = file.Content.ToString() }
            : BlobResourceContents.FromBytes(file.Content.ToMemory(), uri, file.File.MimeType);
    }

    /// <summary><c>resources/list</c>: the caller's files, 100 per page.</summary>
    public static async ValueTask<ListResourcesResult> ListAsync(RequestContext<ListResourcesRequestParams> request, CancellationToken cancellationToken)
    {
        var caller = Caller.From(request.User);
        var files = request.Services!.GetRequiredService<UserFileStore>();
        var page = await AsProtocolErrorAsync(() => files.ListAsync(caller, 100, request.Params?.Cursor, cancellationToken));
        return new ListResourcesResult
        {
            Resources = page.Files.Select(f => new Resource
            {
                Uri = FileUri.For(f.Name),
                Name = f.Name,
                MimeType = f.MimeType,
                Size = f.Size,
            }).ToList(),
            NextCursor = page.NextCursor,
        };
    }

    /// <summary><c>resources/subscribe</c>: recorded on the session row and in the caller's index, so any instance finds it.</summary>
    public static async ValueTask<EmptyResult> SubscribeAsync(RequestContext<SubscribeRequestParams> request, CancellationToken cancellationToken)
    {
        var (caller, uri) = ParseSubscription(request.User, request.Params?.Uri);
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
        var (caller, uri) = ParseSubscription(request.User, request.Params?.Uri);
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

    public const int MaxSubscriptionsPerSession = 100;

    private static string RequireSession(McpServer server) =>
        server.SessionId is { Length: > 0 } id
            ? id
            : throw new McpProtocolException("Subscriptions need a session: connect with the initialize handshake (or /sse) to subscribe.", McpErrorCode.InvalidRequest);

    private static McpProtocolException SessionEnded() =>
        new("The session has ended or expired. Initialize a new session.", McpErrorCode.InvalidRequest);

    private static (Caller Caller, string Uri) ParseSubscription(ClaimsPrincipal? user, string? uri)
    {
        var caller = Caller.From(user);
        if (!FileUri.TryParse(uri, out var name))
        {
            throw new McpProtocolException($"Only file resources ({FileUri.Template}) can be subscribed to; '{uri}' is not one.", McpErrorCode.InvalidParams);
        }

        return (caller, FileUri.For(AsProtocolError(() => ItemName.Validate(name, "file name"))));
    }

    private static T AsProtocolError<T>(Func<T> action)
    {
        try
        {
            return action();
        }
        catch (McpException e) when (e is not McpProtocolException)
        {
            throw new McpProtocolException(e.Message, McpErrorCode.InvalidParams);
        }
    }

    private static async Task<T> AsProtocolErrorAsync<T>(Func<Task<T>> action)
    {
        try
        {
            return await action();
        }
        catch (McpException e) when (e is not McpProtocolException)
        {
            throw new McpProtocolException(e.Message, McpErrorCode.InvalidParams);
        }
    }
}
