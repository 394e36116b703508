using Azure;
using Azure.Data.Tables;
using McpFunctions.Storage;
using McpFunctions.Telemetry;

namespace McpFunctions.Sessions.Streams;

/// <summary>
/// Rows of the events table (PartitionKey = session id), shared by the two kinds of resumable stream:
/// <list type="bullet">
/// <item><c>n|{seq:D19}</c>: the session's notification stream (GET /mcp).</item>
/// <item><c>p|{stream}|{seq:D10}</c> and <c>p|{stream}|meta</c>: a POST response stream and its state.</item>
/// </list>
/// One partition per session keeps every write for a stream in one entity-group transaction.
/// </summary>
internal sealed class StreamEventTable(StorageTables tables, TimeProvider time)
{
    public static string NotificationRow(long sequence) => $"n|{sequence:D19}";

    public static string PostEventRow(string stream, long sequence) => $"p|{stream}|{sequence:D10}";

    public static string PostMetaRow(string stream) => $"p|{stream}|meta";

    public async Task AppendNotificationAsync(string sessionId, long sequence, string data, CancellationToken cancellationToken)
    {
        using var measured = McpFunctionsMetrics.EventStore("append_notification");
        var table = await tables.GetAsync(StorageNames.Events, cancellationToken);
        await table.UpsertEntityAsync(new TableEntity(sessionId, NotificationRow(sequence))
        {
            ["Data"] = data,
            ["CreatedAt"] = time.GetUtcNow(),
        }, TableUpdateMode.Replace, cancellationToken);
    }

    /// <summary>Notification events after <paramref name="afterSequence"/>, oldest first.</summary>
    public async Task<IReadOnlyList<(long Sequence, string Data)>> NotificationsAfterAsync(string sessionId, long afterSequence, CancellationToken cancellationToken)
    {
        using var measured = McpFunctionsMetrics.EventStore("read_notifications");
        var table = await tables.GetAsync(StorageNames.Events, cancellationToken);
        var from = NotificationRow(afterSequence);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {sessionId} and RowKey gt {from} and RowKey lt {"n}"}");
        var result = new List<(long, string)>();
        await foreach (var row in table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            result.Add((long.Parse(row.RowKey.AsSpan(2)), row.GetString("Data") ?? ""));
        }

        return result;
    }

    /// <summary>Writes POST-stream events and the stream's state row in one transaction per 99 events.</summary>
    public async Task WritePostEventsAsync(string sessionId, string stream, IReadOnlyList<(long Sequence, StoredEvent Event)> events, PostStreamState state, CancellationToken cancellationToken)
    {
        using var measured = McpFunctionsMetrics.EventStore("write_post_events");
        var table = await tables.GetAsync(StorageNames.Events, cancellationToken);
        var now = time.GetUtcNow();
        var actions = events.Select(e => new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity(sessionId, PostEventRow(stream, e.Sequence))
        {
            ["EventId"] = e.Event.EventId,
            ["EventType"] = e.Event.EventType,
            ["Data"] = e.Event.Data,
            ["RetryMs"] = e.Event.ReconnectionInterval is { } retry ? (long)retry.TotalMilliseconds : null,
            ["CreatedAt"] = now,
        })).ToList();

        for (var offset = 0; offset < actions.Count || offset == 0; offset += 99)
        {
            var batch = actions.Skip(offset).Take(99).ToList();
            var last = offset + 99 >= actions.Count;
            if (last)
            {
                batch.Add(new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity(sessionId, PostMetaRow(stream))
                {
                    ["Mode"] = state.Polling ? "polling" : "streaming",
                    ["Completed"] = state.Completed,
                    ["WriterInstance"] = state.WriterInstance,
                    ["CreatedAt"] = now,
                }));
            }

            await table.SubmitTransactionAsync(batch, cancellationToken);
            if (last)
            {
                break;
            }
        }
    }

    public async Task<PostStreamState?> ReadPostStateAsync(string sessionId, string stream, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(StorageNames.Events, cancellationToken);
        var row = await table.GetEntityIfExistsAsync<TableEntity>(sessionId, PostMetaRow(stream), cancellationToken: cancellationToken);
        return row.HasValue
            ? new PostStreamState(
                row.Value!.GetString("Mode") == "polling",
                row.Value.GetBoolean("Completed") ?? false,
                row.Value.GetString("WriterInstance") ?? "")
            : null;
    }

    public async Task<IReadOnlyList<(long Sequence, StoredEvent Event)>> PostEventsAfterAsync(string sessionId, string stream, long afterSequence, CancellationToken cancellationToken)
    {
        using var measured = McpFunctionsMetrics.EventStore("read_post_events");
        var table = await tables.GetAsync(StorageNames.Events, cancellationToken);
        // Event rows end in digits, which sort before the "meta" row.
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {sessionId} and RowKey gt {PostEventRow(stream, afterSequence)} and RowKey lt {$"p|{stream}|a"}");
        var result = new List<(long, StoredEvent)>();
        await foreach (var row in table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            var retry = row.GetInt64("RetryMs");
            result.Add((long.Parse(row.RowKey.AsSpan(row.RowKey.LastIndexOf('|') + 1)), new StoredEvent(
                row.GetString("EventId") ?? "",
                row.GetString("EventType"),
                row.GetString("Data"),
                retry is null ? null : TimeSpan.FromMilliseconds(retry.Value))));
        }

        return result;
    }

    /// <summary>Deletes every event row of a session (it ended).</summary>
    public async Task DeleteSessionAsync(string sessionId, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(StorageNames.Events, cancellationToken);
        await DeleteWhereAsync(table, TableClient.CreateQueryFilter($"PartitionKey eq {sessionId}"), cancellationToken);
    }

    /// <summary>Deletes event rows older than <paramref name="cutoff"/> across all sessions.</summary>
    public async Task<int> DeleteOlderThanAsync(DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(StorageNames.Events, cancellationToken);
        return await DeleteWhereAsync(table, TableClient.CreateQueryFilter($"CreatedAt lt {cutoff}"), cancellationToken);
    }

    private static async Task<int> DeleteWhereAsync(TableClient table, string filter, CancellationToken cancellationToken)
    {
        var deleted = 0;
        await foreach (var row in table.QueryAsync<TableEntity>(filter, select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken))
        {
            await table.DeleteEntityAsync(row.PartitionKey, row.RowKey, ETag.All, cancellationToken);
            deleted++;
        }

        return deleted;
    }
}
