using System.Runtime.Serialization;
using Azure;
using Azure.Data.Tables;

namespace McpFunctions.Auth.Stores;

/// <summary>
/// An authorization code or refresh token (an OpenIddict token entry): PartitionKey = encoded user id, RowKey =
/// <c>{grant row}.{random}</c>, so a grant's tokens are one range of one partition. Access tokens are not stored:
/// they are self-contained JWTs.
/// </summary>
/// <remarks>
/// A code is a reference token: the client holds a random value, this row holds only its hash
/// (<see cref="ReferenceId"/>, computed by OpenIddict) and the encrypted payload.
/// </remarks>
internal sealed class OAuthToken : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string? Subject { get; set; }
    public string? ClientId { get; set; }
    public string? GrantId { get; set; }
    public string? Type { get; set; }
    public string? Status { get; set; }
    public DateTimeOffset? CreatedAt { get; set; }
    public DateTimeOffset? ExpiresAt { get; set; }
    public DateTimeOffset? RedeemedAt { get; set; }
    public string? ReferenceId { get; set; }
    public string? Payload { get; set; }
    public string? Properties { get; set; }

    /// <summary>The reference id the <see cref="OAuthTokenReference"/> row already points at (not stored).</summary>
    [IgnoreDataMember]
    public string? IndexedReferenceId { get; set; }

    [IgnoreDataMember]
    public string Id => Ids.Join(PartitionKey, RowKey);
}

/// <summary>Index row: PartitionKey = encoded reference id (a hash), RowKey empty, pointing at the token row.</summary>
internal sealed class OAuthTokenReference : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string? TokenId { get; set; }
    public DateTimeOffset? ExpiresAt { get; set; }
}
