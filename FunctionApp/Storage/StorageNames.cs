namespace McpFunctions.Storage;

/// <summary>Logical table names; the physical name is <see cref="StorageOptions.TablePrefix"/> + logical name.</summary>
internal static class StorageNames
{
    public const string Notes = "notes";
    public const string Preferences = "preferences";

    /// <summary>One row per MCP session (the session entity).</summary>
    public const string Sessions = "sessions";

    /// <summary>Which sessions of a caller exist and what they subscribe to, for notification fan-out.</summary>
    public const string SessionIndex = "sessionindex";

    /// <summary>Stored SSE events for resumable streams.</summary>
    public const string Events = "events";

    /// <summary>Per-instance inboxes: requests and notifications relayed to the instance that must handle them.</summary>
    public const string Relay = "relay";

    /// <summary>Live instances and their heartbeats.</summary>
    public const string Instances = "instances";
}
