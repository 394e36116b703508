namespace McpFunctions.Audit;

/// <summary>
/// One thing that happened, as it is stored: what kind, which action, with what outcome, through which client. It has
/// no field for arguments, content, tokens, secrets or addresses, so none can be recorded.
/// </summary>
/// <param name="Kind">One of <see cref="AuditKinds"/>.</param>
/// <param name="Action">What exactly: the sign-in method, the consent decision, the grant type, why a grant was revoked, the tool's name.</param>
/// <param name="Outcome">One of <see cref="AuditOutcomes"/>.</param>
internal sealed record AuditEvent(string Kind, string Action, string Outcome)
{
    /// <summary>The OAuth client id (our tokens' <c>client_id</c> claim on tool calls).</summary>
    public string? ClientId { get; init; }

    /// <summary>The client's own name: its registered name, or the session's <c>clientInfo.name</c> on tool calls.</summary>
    public string? ClientName { get; init; }

    /// <summary>The grant (<c>mcpoauthgrants</c> id) the event concerns.</summary>
    public string? GrantId { get; init; }

    /// <summary>Tool calls: how long the call took, in milliseconds (the mean, for a row of several calls).</summary>
    public double? DurationMs { get; init; }

    /// <summary>Tool calls: how many calls the row stands for (see <see cref="AuditTrail"/>).</summary>
    public int Calls { get; init; } = 1;

    /// <summary>Tool calls of a row of several calls: the longest one, in milliseconds.</summary>
    public double? MaxDurationMs { get; init; }
}

/// <summary>Values of <see cref="AuditEvent.Kind"/>.</summary>
internal static class AuditKinds
{
    public const string SignIn = "signin";
    public const string Consent = "consent";
    public const string Token = "token";
    public const string Revocation = "revocation";
    public const string Registration = "registration";
    public const string ToolCall = "tool";
}

/// <summary>Values of <see cref="AuditEvent.Outcome"/>.</summary>
internal static class AuditOutcomes
{
    public const string Ok = "ok";

    /// <summary>Refused by a rule (a tenant not allowed, a lost refresh race, a denied consent).</summary>
    public const string Refused = "refused";

    /// <summary>A tool call answered with <c>isError</c> (bad arguments, a domain error, storage unavailable).</summary>
    public const string ToolError = "error";

    /// <summary>A tool call that ended in an exception (a protocol error, a cancellation).</summary>
    public const string Failed = "failed";
}
