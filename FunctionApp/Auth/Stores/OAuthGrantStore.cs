using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using Azure.Data.Tables;
using McpFunctions.Storage;
using OpenIddict.Abstractions;

namespace McpFunctions.Auth.Stores;

/// <summary>OpenIddict's authorization store on the <see cref="StorageNames.OAuthGrants"/> table, one partition per user.</summary>
internal sealed class OAuthGrantStore(StorageTables tables, TimeProvider time) : IOpenIddictAuthorizationStore<OAuthGrant>
{
    public async ValueTask CreateAsync(OAuthGrant authorization, CancellationToken cancellationToken)
    {
        authorization.PartitionKey = StorageKey.Encode(authorization.Subject ?? throw new ArgumentException("A grant needs a subject."));
        authorization.RowKey = Ids.NewRowKey();
        authorization.LastUsedAt ??= time.GetUtcNow();
        await OAuthRows.CreateAsync(await TableAsync(cancellationToken), authorization, cancellationToken);
    }

    public async ValueTask UpdateAsync(OAuthGrant authorization, CancellationToken cancellationToken) =>
        await OAuthRows.UpdateAsync(await TableAsync(cancellationToken), authorization, cancellationToken);

    public async ValueTask DeleteAsync(OAuthGrant authorization, CancellationToken cancellationToken) =>
        await OAuthRows.DeleteAsync(await TableAsync(cancellationToken), authorization, cancellationToken);

    public async ValueTask<OAuthGrant?> FindByIdAsync(string identifier, CancellationToken cancellationToken) =>
        Ids.TrySplit(identifier, out var partition, out var row)
            ? await OAuthRows.FindAsync<OAuthGrant>(await TableAsync(cancellationToken), partition, row, cancellationToken)
            : null;

    public IAsyncEnumerable<OAuthGrant> FindBySubjectAsync(string subject, CancellationToken cancellationToken) =>
        QueryAsync(subject, _ => true, cancellationToken);

    public IAsyncEnumerable<OAuthGrant> FindAsync(string? subject, string? client, string? status, string? type, ImmutableArray<string>? scopes, CancellationToken cancellationToken) =>
        subject is null
            ? throw OAuthRows.NotSupported()
            : QueryAsync(subject, grant =>
                (client is null || grant.ClientId == client)
                && (status is null || grant.Status == status)
                && (type is null || grant.Type == type)
                && (scopes is null || scopes.Value.All(OAuthRows.ReadList(grant.Scopes).Contains)), cancellationToken);

    // Grants are found by user; a client's grants across all users would be a scan of every partition.
    public IAsyncEnumerable<OAuthGrant> FindByApplicationIdAsync(string identifier, CancellationToken cancellationToken) => throw OAuthRows.NotSupported();

    public ValueTask<OAuthGrant> InstantiateAsync(CancellationToken cancellationToken) => new(new OAuthGrant());

    public ValueTask<string?> GetIdAsync(OAuthGrant authorization, CancellationToken cancellationToken) => new(authorization.RowKey.Length == 0 ? null : authorization.Id);
    public ValueTask<string?> GetApplicationIdAsync(OAuthGrant authorization, CancellationToken cancellationToken) => new(authorization.ClientId);
    public ValueTask<DateTimeOffset?> GetCreationDateAsync(OAuthGrant authorization, CancellationToken cancellationToken) => new(authorization.CreatedAt);
    public ValueTask<ImmutableDictionary<string, JsonElement>> GetPropertiesAsync(OAuthGrant authorization, CancellationToken cancellationToken) => new(OAuthRows.ReadBag(authorization.Properties));
    public ValueTask<ImmutableArray<string>> GetScopesAsync(OAuthGrant authorization, CancellationToken cancellationToken) => new(OAuthRows.ReadList(authorization.Scopes));
    public ValueTask<string?> GetStatusAsync(OAuthGrant authorization, CancellationToken cancellationToken) => new(authorization.Status);
    public ValueTask<string?> GetSubjectAsync(OAuthGrant authorization, CancellationToken cancellationToken) => new(authorization.Subject);
    public ValueTask<string?> GetTypeAsync(OAuthGrant authorization, CancellationToken cancellationToken) => new(authorization.Type);

    public ValueTask SetApplicationIdAsync(OAuthGrant authorization, string? identifier, CancellationToken cancellationToken) => OAuthRows.Set(() => authorization.ClientId = identifier);
    public ValueTask SetCreationDateAsync(OAuthGrant authorization, DateTimeOffset? date, CancellationToken cancellationToken) => OAuthRows.Set(() => authorization.CreatedAt = date);
    public ValueTask SetPropertiesAsync(OAuthGrant authorization, ImmutableDictionary<string, JsonElement> properties, CancellationToken cancellationToken) => OAuthRows.Set(() => authorization.Properties = OAuthRows.WriteBag(properties));
    public ValueTask SetScopesAsync(OAuthGrant authorization, ImmutableArray<string> scopes, CancellationToken cancellationToken) => OAuthRows.Set(() => authorization.Scopes = OAuthRows.WriteList(scopes));
    public ValueTask SetStatusAsync(OAuthGrant authorization, string? status, CancellationToken cancellationToken) => OAuthRows.Set(() => authorization.Status = status);
    public ValueTask SetSubjectAsync(OAuthGrant authorization, string? subject, CancellationToken cancellationToken) => OAuthRows.Set(() => authorization.Subject = subject);
    public ValueTask SetTypeAsync(OAuthGrant authorization, string? type, CancellationToken cancellationToken) => OAuthRows.Set(() => authorization.Type = type);

    public async ValueTask<long> RevokeBySubjectAsync(string subject, CancellationToken cancellationToken) =>
        await RevokeAsync(QueryAsync(subject, g => g.Status != OpenIddictConstants.Statuses.Revoked, cancellationToken), cancellationToken);

    public async ValueTask<long> RevokeAsync(string? subject, string? client, string? status, string? type, CancellationToken cancellationToken) =>
        await RevokeAsync(FindAsync(subject, client, status, type, null, cancellationToken), cancellationToken);

    public ValueTask<long> RevokeByApplicationIdAsync(string identifier, CancellationToken cancellationToken) => throw OAuthRows.NotSupported();

    /// <summary>Revokes one grant whatever else changes it at the same time (a refresh's swap cannot undo it).</summary>
    public async ValueTask RevokeByIdAsync(string identifier, CancellationToken cancellationToken)
    {
        if (Ids.TrySplit(identifier, out var partition, out var row))
        {
            await OAuthRows.MarkRevokedAsync(await TableAsync(cancellationToken), new OAuthGrant { PartitionKey = partition, RowKey = row }, cancellationToken);
        }
    }

    // Expired and revoked grants are removed with their partition's tokens by the sweeper, not by a table scan here.
    public ValueTask<long> PruneAsync(DateTimeOffset threshold, CancellationToken cancellationToken) => throw OAuthRows.NotSupported();

    public ValueTask<long> CountAsync(CancellationToken cancellationToken) => throw OAuthRows.NotSupported();
    public ValueTask<long> CountAsync<TResult>(Func<IQueryable<OAuthGrant>, IQueryable<TResult>> query, CancellationToken cancellationToken) => throw OAuthRows.NotSupported();
    public ValueTask<TResult?> GetAsync<TState, TResult>(Func<IQueryable<OAuthGrant>, TState, IQueryable<TResult>> query, TState state, CancellationToken cancellationToken) => throw OAuthRows.NotSupported();
    public IAsyncEnumerable<OAuthGrant> ListAsync(int? count, int? offset, CancellationToken cancellationToken) => throw OAuthRows.NotSupported();
    public IAsyncEnumerable<TResult> ListAsync<TState, TResult>(Func<IQueryable<OAuthGrant>, TState, IQueryable<TResult>> query, TState state, CancellationToken cancellationToken) => throw OAuthRows.NotSupported();

    private async IAsyncEnumerable<OAuthGrant> QueryAsync(string subject, Func<OAuthGrant, bool> predicate, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var partition = StorageKey.Encode(subject);
        var table = await TableAsync(cancellationToken);
        await foreach (var grant in table.QueryAsync<OAuthGrant>(g => g.PartitionKey == partition, cancellationToken: cancellationToken))
        {
            if (predicate(grant))
            {
                yield return grant;
            }
        }
    }

    private async ValueTask<long> RevokeAsync(IAsyncEnumerable<OAuthGrant> grants, CancellationToken cancellationToken)
    {
        var table = await TableAsync(cancellationToken);
        long count = 0;
        await foreach (var grant in grants.WithCancellation(cancellationToken))
        {
            await OAuthRows.MarkRevokedAsync(table, grant, cancellationToken);
            count++;
        }

        return count;
    }

    private ValueTask<TableClient> TableAsync(CancellationToken cancellationToken) => tables.GetAsync(StorageNames.OAuthGrants, cancellationToken);
}
