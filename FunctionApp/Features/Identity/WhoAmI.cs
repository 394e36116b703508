namespace McpFunctions.Features.Identity;

/// <summary>Result of the whoami tool.</summary>
internal sealed record WhoAmI(
    string Id,
    string? Name,
    string AuthenticationMethod,
    IReadOnlyList<string> Scopes,
    string? SessionId,
    string? ProtocolVersion,
    string? Client);
