using Azure;
using Azure.Data.Tables;
using McpFunctions.Storage;

namespace McpFunctions.Sessions.State;

/// <summary>
/// Per-caller index of sessions and their resource subscriptions (PartitionKey = caller partition key), so a
/// change to a caller's data finds the sessions to notify with one single-partition query.
/// </summary>
/// <remarks>
/// RowKey <c>s|{sessionId}</c> marks a live session of the caller; <c>u|{encoded uri}|{sessionId}</c> a
/// subscription. Rows of ended sessions are removed with the session; a stray row only costs a skipped notification.
/// </remarks>
internal sealed class SessionIndex(StorageTables tables)
{
    public async Task AddSessionAsync(string callerPartition, string sessionId, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(StorageNames.SessionIndex, cancellationToken);
        await table.UpsertEntityAsync(new TableEntity(callerPartition, SessionRow(sessionId)), TableUpdateMode.Replace, cancellationToken);
    }

    public async Task AddSubscriptionAsync(string callerPartition, string sessionId, string uri, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(StorageNames.SessionIndex, cancellationToken);
        await table.UpsertEntityAsync(new TableEntity(callerPartition, SubscriptionRow(uri, sessionId)) { ["Uri"] = uri }, TableUpdateMode.Replace, cancellationToken);
    }

    public async Task RemoveSubscriptionAsync(string callerPartition, string sessionId, string uri, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(StorageNames.SessionIndex, cancellationToken);
        await table.DeleteEntityAsync(callerPartition, SubscriptionRow(uri, sessionId), ETag.All, cancellationToken);
    }

    /// <summary>Removes the session and all its subscriptions from the index.</summary>
    public async Task RemoveSessionAsync(string callerPartition, string sessionId, IEnumerable<string> subscriptions, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(StorageNames.SessionIndex, cancellationToken);
        foreach (var row in subscriptions.Select(uri => SubscriptionRow(uri, sessionId)).Append(SessionRow(sessionId)).Distinct())
        {
            // One by one: a batch fails as a whole when any row is already gone.
            await table.DeleteEntityAsync(callerPartition, row, ETag.All, cancellationToken);
        }
    }

    public async Task<IReadOnlyList<string>> SessionsOfAsync(string callerPartition, CancellationToken cancellationToken) =>
        await RangeAsync(callerPartition, "s|", cancellationToken);

    public async Task<IReadOnlyList<string>> SubscribersOfAsync(string callerPartition, string uri, CancellationToken cancellationToken) =>
        await RangeAsync(callerPartition, $"u|{StorageKey.Encode(uri)}|", cancellationToken);

    private async Task<IReadOnlyList<string>> RangeAsync(string callerPartition, string prefix, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(StorageNames.SessionIndex, cancellationToken);
        // Keys are encoded to [A-Za-z0-9-_.~|], so '}' (after '|' and '~') bounds the prefix range.
        var upper = prefix[..^1] + "}";
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {callerPartition} and RowKey ge {prefix} and RowKey lt {upper}");
        var sessions = new List<string>();
        await foreach (var row in table.QueryAsync<TableEntity>(filter, select: ["RowKey"], cancellationToken: cancellationToken))
        {
            sessions.Add(row.RowKey[prefix.Length..]);
        }

        return sessions;
    }

    private static string SessionRow(string sessionId) => $"s|{sessionId}";

    private static string SubscriptionRow(string uri, string sessionId) => $"u|{StorageKey.Encode(uri)}|{sessionId}";
}
