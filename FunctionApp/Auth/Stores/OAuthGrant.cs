using Azure;
using Azure.Data.Tables;

namespace McpFunctions.Auth.Stores;

/// <summary>
/// A user's grant to one client (an OpenIddict authorization): PartitionKey = encoded user id, RowKey = random id.
/// Its OpenIddict id is <c>{PartitionKey}:{RowKey}</c>, so every lookup by id is a point read.
/// </summary>
internal sealed class OAuthGrant : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string? Subject { get; set; }
    public string? ClientId { get; set; }
    public string? Scopes { get; set; }
    public string? Status { get; set; }
    public string? Type { get; set; }
    public DateTimeOffset? CreatedAt { get; set; }
    public string? Properties { get; set; }

    /// <summary>When a token of this grant was last issued (a refresh or a new sign-in); shown on the account page.</summary>
    public DateTimeOffset? LastUsedAt { get; set; }

    /// <summary>The id of the grant's one valid refresh token (<c>RefreshTokenRotation</c>).</summary>
    public string? CurrentRefreshTokenId { get; set; }

    public string Id => Ids.Join(PartitionKey, RowKey);
}

/// <summary>Ids of grants and tokens: <c>{user partition}:{row}</c>. Encoded partitions never hold a colon.</summary>
internal static class Ids
{
    public static string Join(string partitionKey, string rowKey) => $"{partitionKey}:{rowKey}";

    public static bool TrySplit(string? id, out string partitionKey, out string rowKey)
    {
        var colon = id?.IndexOf(':') ?? -1;
        partitionKey = colon > 0 ? id![..colon] : "";
        rowKey = colon > 0 ? id![(colon + 1)..] : "";
        return colon > 0 && rowKey.Length > 0 && id!.Length <= 512 && !rowKey.Contains(':');
    }

    public static string NewRowKey() => Guid.NewGuid().ToString("N");
}
