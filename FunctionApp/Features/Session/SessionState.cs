using System.Text.Json.Nodes;
using McpFunctions.Sessions.State;

namespace McpFunctions.Features.Session;

/// <summary>
/// Typed access to a session's state bag (a small JSON object on the session row). Every change is a
/// read-modify-write under the row's ETag, so concurrent changes from several instances are never lost.
/// </summary>
internal sealed class SessionState(SessionStore sessions)
{
    /// <summary>Largest serialized state bag, in characters (Table string properties hold 32K characters).</summary>
    public const int MaxStateLength = 16_000;

    private static readonly JsonSerializerOptions Json = JsonSerializerOptions.Web;

    public async Task<T?> GetAsync<T>(string? sessionId, string key, CancellationToken cancellationToken)
    {
        var session = await RequireAsync(sessionId, cancellationToken);
        var bag = JsonNode.Parse(session.State) as JsonObject;
        return bag?[key] is { } node ? node.Deserialize<T>(Json) : default;
    }

    public async Task<IReadOnlyDictionary<string, JsonElement>> GetAllAsync(string? sessionId, CancellationToken cancellationToken)
    {
        var session = await RequireAsync(sessionId, cancellationToken);
        return JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(session.State, Json) ?? [];
    }

    /// <summary>Replaces the value under <paramref name="key"/> with <paramref name="update"/>(current) and returns it.</summary>
    public async Task<T> UpdateAsync<T>(string? sessionId, string key, Func<T?, T> update, CancellationToken cancellationToken)
    {
        var id = RequireId(sessionId);
        T result = default!;
        var written = await sessions.UpdateAsync(id, session =>
        {
            var bag = JsonNode.Parse(session.State) as JsonObject ?? [];
            T? current;
            try
            {
                current = bag[key] is { } node ? node.Deserialize<T>(Json) : default;
            }
            catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException)
            {
                throw new InvalidArgumentException($"'{key}' holds {Describe(bag[key])}, not a {(typeof(T) == typeof(long) ? "whole number" : typeof(T).Name)}; use another key, or session_delete it first.");
            }

            result = update(current);
            bag[key] = JsonSerializer.SerializeToNode(result, Json);
            var state = bag.ToJsonString(Json);
            if (state.Length > MaxStateLength)
            {
                throw new InvalidArgumentException($"The session state would be {state.Length} characters; the limit is {MaxStateLength}. Remove values with session_delete first.");
            }

            session.State = state;
            return true;
        }, cancellationToken);
        return written is null ? throw SessionGone() : result;
    }

    public async Task<bool> RemoveAsync(string? sessionId, string key, CancellationToken cancellationToken)
    {
        var id = RequireId(sessionId);
        var removed = false;
        var written = await sessions.UpdateAsync(id, session =>
        {
            var bag = JsonNode.Parse(session.State) as JsonObject ?? [];
            removed = bag.Remove(key);
            session.State = bag.ToJsonString(Json);
            return removed;
        }, cancellationToken);
        return written is null ? throw SessionGone() : removed;
    }

    private async Task<SessionEntity> RequireAsync(string? sessionId, CancellationToken cancellationToken) =>
        await sessions.GetAsync(RequireId(sessionId), cancellationToken, fresh: true) ?? throw SessionGone();

    private static string RequireId(string? sessionId) =>
        string.IsNullOrEmpty(sessionId)
            ? throw new InvalidArgumentException("This needs an MCP session, and this request has none (2026-07-28 clients are served without sessions). Store lasting values with preferences_set instead.")
            : sessionId;

    private static NotFoundException SessionGone() => new("The session has ended or expired. Reconnect to start a new one.");

    private static string Describe(JsonNode? node) => node?.GetValueKind() switch
    {
        JsonValueKind.String => "text",
        JsonValueKind.Number => "a number with a fraction or out of range",
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "a list",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "another kind of value",
    };
}
