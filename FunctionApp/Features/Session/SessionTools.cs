using System.ComponentModel;

namespace McpFunctions.Features.Session;

/// <summary>Scratch values that live exactly as long as the MCP session, on whichever instance serves it.</summary>
[McpServerToolType]
internal sealed class SessionTools(SessionState state)
{
    private const string KeyDescription = "Name of the value, 1-200 characters: letters, digits, spaces and - _ . , + = @ ( ) [ ] ' ! & $ ~.";

    [McpServerTool(Name = "session_get", Title = "Get session values", ReadOnly = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Returns the scratch values stored in this MCP session (all of them, or one by key). They disappear when the session ends; use preferences_* for lasting values. Needs a session (not available to 2026-07-28 clients).")]
    public async Task<IReadOnlyDictionary<string, JsonElement>> GetValues(
        McpServer server,
        [Description("Only this key; omit for all values.")] string? key = null,
        CancellationToken cancellationToken = default)
    {
        var all = await state.GetAllAsync(server.SessionId, cancellationToken);
        if (key is null)
        {
            return all;
        }

        ItemName.Validate(key, "key");
        return all.TryGetValue(key, out var value)
            ? new Dictionary<string, JsonElement> { [key] = value }
            : throw new NotFoundException($"This session has no value '{key}'. Call session_get without a key to see all values.");
    }

    [McpServerTool(Name = "session_set", Title = "Set a session value", Destructive = true, Idempotent = true, OpenWorld = false)]
    [Description("Stores a text value under a key for the rest of this MCP session, replacing any previous value. The whole session state is limited to 16,000 characters.")]
    public async Task<string> SetValue(
        McpServer server,
        [Description(KeyDescription)] string key,
        [Description("The text to store, up to 8,000 characters.")] string value,
        CancellationToken cancellationToken = default)
    {
        ItemName.Validate(key, "key");
        if (value.Length > 8_000)
        {
            throw new InvalidArgumentException($"The value is {value.Length} characters long; the limit is 8,000.");
        }

        await state.UpdateAsync<string>(server.SessionId, key, _ => value, cancellationToken);
        return $"Stored '{key}' for this session.";
    }

    [McpServerTool(Name = "session_increment", Title = "Increment a session counter", Destructive = false, Idempotent = false, OpenWorld = false, UseStructuredContent = true)]
    [Description("Adds a whole number to a counter kept in this MCP session (missing counters start at 0) and returns the new value. Safe under concurrent calls: no increment is lost.")]
    public async Task<CounterValue> Increment(
        McpServer server,
        [Description(KeyDescription)] string key,
        [Description("Amount to add, -1,000,000 to 1,000,000. Default 1.")][System.ComponentModel.DataAnnotations.Range(-1_000_000, 1_000_000)] long by = 1,
        CancellationToken cancellationToken = default)
    {
        ItemName.Validate(key, "key");
        var value = await state.UpdateAsync<long>(server.SessionId, key, current =>
            current > 0 && by > long.MaxValue - current || current < 0 && by < long.MinValue - current
                ? throw new InvalidArgumentException($"Adding {by} to '{key}' ({current}) would overflow a 64-bit integer.")
                : current + by,
            cancellationToken);
        return new CounterValue(key, value);
    }

    [McpServerTool(Name = "session_delete", Title = "Delete a session value", Destructive = true, Idempotent = true, OpenWorld = false)]
    [Description("Removes one value from this MCP session's scratch values. Removing a key that does not exist is not an error; the result says so.")]
    public async Task<string> DeleteValue(
        McpServer server,
        [Description(KeyDescription)] string key,
        CancellationToken cancellationToken = default)
    {
        ItemName.Validate(key, "key");
        return await state.RemoveAsync(server.SessionId, key, cancellationToken)
            ? $"Removed '{key}' from this session."
            : $"This session had no value '{key}'; nothing was removed.";
    }
}
