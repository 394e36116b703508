using Azure;
using Azure.Data.Tables;

namespace McpFunctions.Auth.Stores;

/// <summary>
/// One OAuth client (an OpenIddict application): PartitionKey = encoded client id, RowKey empty. Lists and bags are
/// JSON text; the secret of a confidential client is OpenIddict's salted hash, never the secret.
/// </summary>
internal sealed class OAuthClient : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string? ClientId { get; set; }
    public string? ClientSecretHash { get; set; }
    public string? ClientType { get; set; }
    public string? ApplicationType { get; set; }
    public string? ConsentType { get; set; }
    public string? DisplayName { get; set; }
    public string? DisplayNames { get; set; }
    public string? RedirectUris { get; set; }
    public string? PostLogoutRedirectUris { get; set; }
    public string? Permissions { get; set; }
    public string? Requirements { get; set; }
    public string? Settings { get; set; }
    public string? Properties { get; set; }

    /// <summary>How the client came to be known: <see cref="RegisteredSource"/> or <see cref="MetadataDocumentSource"/>.</summary>
    public string? Source { get; set; }

    /// <summary>When the row may be removed: a registration unused this long is gone (sliding), a metadata document is fetched again.</summary>
    public DateTimeOffset? ExpiresAt { get; set; }

    public const string RegisteredSource = "registration";
    public const string MetadataDocumentSource = "metadata-document";
}
