namespace McpFunctions.Auth.Clients;

/// <summary>The two kinds of client id: one this server issued at registration, and the URL of a client metadata document.</summary>
internal static class ClientIds
{
    /// <summary>Longest client id looked up: a metadata document URL, or a registered id.</summary>
    public const int MaxLength = 512;

    public const string RegisteredPrefix = "mcp-";

    public static string NewRegistered() => RegisteredPrefix + Guid.NewGuid().ToString("N");

    /// <summary>An https URL with a path, no fragment and no user info (the client ID metadata document rules).</summary>
    public static bool IsMetadataDocumentUrl(string clientId, out Uri url) =>
        Uri.TryCreate(clientId, UriKind.Absolute, out url!)
        && url.Scheme == Uri.UriSchemeHttps
        && url.AbsolutePath.Length > 1
        && url.Fragment.Length == 0
        && url.UserInfo.Length == 0
        && clientId.Length <= MaxLength;
}
