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

    /// <summary>OAuth clients: registered ones and fetched client metadata documents.</summary>
    public const string OAuthClients = "oauthclients";

    /// <summary>OAuth grants (a user's consent to a client for some scopes), partitioned by user.</summary>
    public const string OAuthGrants = "oauthgrants";

    /// <summary>Authorization codes and refresh tokens issued under a grant, partitioned by user.</summary>
    public const string OAuthTokens = "oauthtokens";

    /// <summary>Hashed reference ids of authorization codes, pointing at their token row.</summary>
    public const string OAuthTokenReferences = "oauthtokenrefs";

    /// <summary>The authorization server's signing and encryption keys, each wrapped by Data Protection.</summary>
    public const string OAuthKeys = "oauthkeys";

    /// <summary>Grants revoked recently, which every instance reads to refuse their access tokens.</summary>
    public const string OAuthRevocations = "oauthrevoked";

    /// <summary>Microsoft.Identity.Web's token cache: each Entra user's tokens for the downstream API, encrypted.</summary>
    public const string TokenCache = "tokencache";

    /// <summary>The audit trail: who did what, when, with what outcome (never the content), partitioned by user.</summary>
    public const string Audit = "audit";

    /// <summary>MCP tasks: status, input requests and answers, and the result of each long-running tool call, by owner.</summary>
    public const string Tasks = "tasks";
}
