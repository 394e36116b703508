using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using Azure.Data.Tables;
using McpFunctions.Storage;
using OpenIddict.Abstractions;

namespace McpFunctions.Auth.Stores;

/// <summary>OpenIddict's token store on the <see cref="StorageNames.OAuthTokens"/> table, with a reference-id index beside it.</summary>
internal sealed class OAuthTokenStore(StorageTables tables) : IOpenIddictTokenStore<OAuthToken>
{
    private const string NoGrant = "-";

    public async ValueTask CreateAsync(OAuthToken token, CancellationToken cancellationToken)
    {
        // A grant's tokens share its partition and sort after its row key, so "all tokens of a grant" is one range query.
        if (Ids.TrySplit(token.GrantId, out var partition, out var grantRow))
        {
            token.PartitionKey = partition;
            token.RowKey = $"{grantRow}.{Ids.NewRowKey()}";
        }
        else
        {
            token.PartitionKey = StorageKey.Encode(token.Subject ?? NoGrant);
            token.RowKey = $"{NoGrant}.{Ids.NewRowKey()}";
        }

        await IndexAsync(token, cancellationToken);
        await OAuthRows.CreateAsync(await TableAsync(cancellationToken), token, cancellationToken);
    }

    public async ValueTask UpdateAsync(OAuthToken token, CancellationToken cancellationToken)
    {
        await IndexAsync(token, cancellationToken);
        await OAuthRows.UpdateAsync(await TableAsync(cancellationToken), token, cancellationToken);
    }

    public async ValueTask DeleteAsync(OAuthToken token, CancellationToken cancellationToken) =>
        await OAuthRows.DeleteAsync(await TableAsync(cancellationToken), token, cancellationToken);

    public async ValueTask<OAuthToken?> FindByIdAsync(string identifier, CancellationToken cancellationToken)
    {
        if (!Ids.TrySplit(identifier, out var partition, out var row))
        {
            return null;
        }

        var token = await OAuthRows.FindAsync<OAuthToken>(await TableAsync(cancellationToken), partition, row, cancellationToken);
        token?.IndexedReferenceId = token.ReferenceId;
        return token;
    }

    public async ValueTask<OAuthToken?> FindByReferenceIdAsync(string identifier, CancellationToken cancellationToken)
    {
        if (identifier.Length is 0 or > 256)
        {
            return null;
        }

        var references = await tables.GetAsync(StorageNames.OAuthTokenReferences, cancellationToken);
        var reference = await OAuthRows.FindAsync<OAuthTokenReference>(references, StorageKey.Encode(identifier), "", cancellationToken);
        var token = reference?.TokenId is { } id ? await FindByIdAsync(id, cancellationToken) : null;
        return token?.ReferenceId == identifier ? token : null;
    }

    public IAsyncEnumerable<OAuthToken> FindByAuthorizationIdAsync(string identifier, CancellationToken cancellationToken) =>
        Ids.TrySplit(identifier, out var partition, out var grantRow)
            ? QueryAsync(t => t.PartitionKey == partition && t.RowKey.CompareTo(grantRow + ".") > 0 && t.RowKey.CompareTo(grantRow + "/") < 0, _ => true, cancellationToken)
            : AsyncEnumerable.Empty<OAuthToken>();

    public IAsyncEnumerable<OAuthToken> FindBySubjectAsync(string subject, CancellationToken cancellationToken)
    {
        var partition = StorageKey.Encode(subject);
        return QueryAsync(t => t.PartitionKey == partition, _ => true, cancellationToken);
    }

    public IAsyncEnumerable<OAuthToken> FindAsync(string? subject, string? client, string? status, string? type, CancellationToken cancellationToken)
    {
        if (subject is null)
        {
            throw OAuthRows.NotSupported();
        }

        var partition = StorageKey.Encode(subject);
        return QueryAsync(t => t.PartitionKey == partition, t =>
            (client is null || t.ClientId == client) && (status is null || t.Status == status) && (type is null || t.Type == type), cancellationToken);
    }

    // Tokens are found by user or grant; a client's tokens across all users would be a scan of every partition.
    public IAsyncEnumerable<OAuthToken> FindByApplicationIdAsync(string identifier, CancellationToken cancellationToken) => throw OAuthRows.NotSupported();

    public ValueTask<OAuthToken> InstantiateAsync(CancellationToken cancellationToken) => new(new OAuthToken());

    public ValueTask<string?> GetIdAsync(OAuthToken token, CancellationToken cancellationToken) => new(token.RowKey.Length == 0 ? null : token.Id);
    public ValueTask<string?> GetApplicationIdAsync(OAuthToken token, CancellationToken cancellationToken) => new(token.ClientId);
    public ValueTask<string?> GetAuthorizationIdAsync(OAuthToken token, CancellationToken cancellationToken) => new(token.GrantId);
    public ValueTask<DateTimeOffset?> GetCreationDateAsync(OAuthToken token, CancellationToken cancellationToken) => new(token.CreatedAt);
    public ValueTask<DateTimeOffset?> GetExpirationDateAsync(OAuthToken token, CancellationToken cancellationToken) => new(token.ExpiresAt);
    public ValueTask<string?> GetPayloadAsync(OAuthToken token, CancellationToken cancellationToken) => new(token.Payload);
    public ValueTask<ImmutableDictionary<string, JsonElement>> GetPropertiesAsync(OAuthToken token, CancellationToken cancellationToken) => new(OAuthRows.ReadBag(token.Properties));
    public ValueTask<DateTimeOffset?> GetRedemptionDateAsync(OAuthToken token, CancellationToken cancellationToken) => new(token.RedeemedAt);
    public ValueTask<string?> GetReferenceIdAsync(OAuthToken token, CancellationToken cancellationToken) => new(token.ReferenceId);
    public ValueTask<string?> GetStatusAsync(OAuthToken token, CancellationToken cancellationToken) => new(token.Status);
    public ValueTask<string?> GetSubjectAsync(OAuthToken token, CancellationToken cancellationToken) => new(token.Subject);
    public ValueTask<string?> GetTypeAsync(OAuthToken token, CancellationToken cancellationToken) => new(token.Type);

    public ValueTask SetApplicationIdAsync(OAuthToken token, string? identifier, CancellationToken cancellationToken) => OAuthRows.Set(() => token.ClientId = identifier);
    public ValueTask SetAuthorizationIdAsync(OAuthToken token, string? identifier, CancellationToken cancellationToken) => OAuthRows.Set(() => token.GrantId = identifier);
    public ValueTask SetCreationDateAsync(OAuthToken token, DateTimeOffset? date, CancellationToken cancellationToken) => OAuthRows.Set(() => token.CreatedAt = date);
    public ValueTask SetExpirationDateAsync(OAuthToken token, DateTimeOffset? date, CancellationToken cancellationToken) => OAuthRows.Set(() => token.ExpiresAt = date);
    public ValueTask SetPayloadAsync(OAuthToken token, string? payload, CancellationToken cancellationToken) => OAuthRows.Set(() => token.Payload = payload);
    public ValueTask SetPropertiesAsync(OAuthToken token, ImmutableDictionary<string, JsonElement> properties, CancellationToken cancellationToken) => OAuthRows.Set(() => token.Properties = OAuthRows.WriteBag(properties));
    public ValueTask SetRedemptionDateAsync(OAuthToken token, DateTimeOffset? date, CancellationToken cancellationToken) => OAuthRows.Set(() => token.RedeemedAt = date);
    public ValueTask SetReferenceIdAsync(OAuthToken token, string? identifier, CancellationToken cancellationToken) => OAuthRows.Set(() => token.ReferenceId = identifier);
    public ValueTask SetStatusAsync(OAuthToken token, string? status, CancellationToken cancellationToken) => OAuthRows.Set(() => token.Status = status);
    public ValueTask SetSubjectAsync(OAuthToken token, string? subject, CancellationToken cancellationToken) => OAuthRows.Set(() => token.Subject = subject);
    public ValueTask SetTypeAsync(OAuthToken token, string? type, CancellationToken cancellationToken) => OAuthRows.Set(() => token.Type = type);

    public async ValueTask<long> RevokeByAuthorizationIdAsync(string identifier, CancellationToken cancellationToken) =>
        await RevokeAsync(FindByAuthorizationIdAsync(identifier, cancellationToken), cancellationToken);

    public async ValueTask<long> RevokeBySubjectAsync(string subject, CancellationToken cancellationToken) =>
        await RevokeAsync(FindBySubjectAsync(subject, cancellationToken), cancellationToken);

    public async ValueTask<long> RevokeAsync(string? subject, string? client, string? status, string? type, CancellationToken cancellationToken) =>
        await RevokeAsync(FindAsync(subject, client, status, type, cancellationToken), cancellationToken);

    public ValueTask<long> RevokeByApplicationIdAsync(string identifier, CancellationToken cancellationToken) => throw OAuthRows.NotSupported();

    // Expired tokens are removed per user partition by the sweeper, not by a table scan here.
    public ValueTask<long> PruneAsync(DateTimeOffset threshold, CancellationToken cancellationToken) => throw OAuthRows.NotSupported();

    public ValueTask<long> CountAsync(CancellationToken cancellationToken) => throw OAuthRows.NotSupported();
    public ValueTask<long> CountAsync<TResult>(Func<IQueryable<OAuthToken>, IQueryable<TResult>> query, CancellationToken cancellationToken) => throw OAuthRows.NotSupported();
    public ValueTask<TResult?> GetAsync<TState, TResult>(Func<IQueryable<OAuthToken>, TState, IQueryable<TResult>> query, TState state, CancellationToken cancellationToken) => throw OAuthRows.NotSupported();
    public IAsyncEnumerable<OAuthToken> ListAsync(int? count, int? offset, CancellationToken cancellationToken) => throw OAuthRows.NotSupported();
    public IAsyncEnumerable<TResult> ListAsync<TState, TResult>(Func<IQueryable<OAuthToken>, TState, IQueryable<TResult>> query, TState state, CancellationToken cancellationToken) => throw OAuthRows.NotSupported();

    /// <summary>Points the reference-id index at the token before the token row is written, so a found index row may name a missing token but never the reverse.</summary>
    private async ValueTask IndexAsync(OAuthToken token, CancellationToken cancellationToken)
    {
        if (token.ReferenceId is not { Length: > 0 } reference || reference == token.IndexedReferenceId || token.RowKey.Length == 0)
        {
            return;
        }

        var references = await tables.GetAsync(StorageNames.OAuthTokenReferences, cancellationToken);
        await references.UpsertEntityAsync(
            new OAuthTokenReference { PartitionKey = StorageKey.Encode(reference), TokenId = token.Id, ExpiresAt = token.ExpiresAt },
            TableUpdateMode.Replace,
            cancellationToken);
        token.IndexedReferenceId = reference;
    }

    private async IAsyncEnumerable<OAuthToken> QueryAsync(
        System.Linq.Expressions.Expression<Func<OAuthToken, bool>> filter, Func<OAuthToken, bool> predicate, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var table = await TableAsync(cancellationToken);
        await foreach (var token in table.QueryAsync(filter, cancellationToken: cancellationToken))
        {
            if (predicate(token))
            {
                token.IndexedReferenceId = token.ReferenceId;
                yield return token;
            }
        }
    }

    private async ValueTask<long> RevokeAsync(IAsyncEnumerable<OAuthToken> tokens, CancellationToken cancellationToken)
    {
        var table = await TableAsync(cancellationToken);
        long count = 0;
        await foreach (var token in tokens.WithCancellation(cancellationToken))
        {
            if (token.Status != OpenIddictConstants.Statuses.Revoked)
            {
                await OAuthRows.MarkRevokedAsync(table, token, cancellationToken);
                count++;
            }
        }

        return count;
    }

    private ValueTask<TableClient> TableAsync(CancellationToken cancellationToken) => tables.GetAsync(StorageNames.OAuthTokens, cancellationToken);
}
