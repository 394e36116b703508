using Azure;
using Azure.Data.Tables;
using McpFunctions.Storage;

namespace McpFunctions.Tasks;

/// <summary>
/// The <c>tasks</c> table: one <see cref="TaskRow"/> per task, read and written under ETags by the instance that
/// answers the client and the instance that runs the tool, which may be two different instances.
/// </summary>
internal sealed class TaskStore(StorageTables tables, TimeProvider time)
{
    private const int MaxUpdateAttempts = 12;

    /// <summary>Stores a new task unless its owner already has <paramref name="limit"/> unfinished tasks (working or waiting for input).</summary>
    /// <returns>False when the owner is at the limit (nothing is stored).</returns>
    public async Task<bool> CreateAsync(TaskRow row, int limit, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(StorageNames.Tasks, cancellationToken);
        var now = time.GetUtcNow();
        var live = 0;
        await foreach (var _ in table.QueryAsync<TableEntity>(
            TableClient.CreateQueryFilter($"PartitionKey eq {row.Partition} and ExpiresAt gt {now} and (Status eq {TaskStatuses.Working} or Status eq {TaskStatuses.InputRequired})"), select: ["RowKey"], cancellationToken: cancellationToken))
        {
            if (++live >= limit)
            {
                return false;
            }
        }

        var response = await table.AddEntityAsync(row.ToEntity(), cancellationToken);
        row.ETag = response.Headers.ETag ?? default;
        return true;
    }

    /// <summary>The task, or null when there is none with this id for this owner or it has expired.</summary>
    public async Task<TaskRow?> FindAsync(string partition, string id, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(StorageNames.Tasks, cancellationToken);
        var found = await table.GetEntityIfExistsAsync<TableEntity>(partition, id, cancellationToken: cancellationToken);
        if (!found.HasValue)
        {
            return null;
        }

        var row = TaskRow.From(found.Value!);
        return row.ExpiresAt <= time.GetUtcNow() ? null : row;
    }

    /// <summary>
    /// Applies <paramref name="change"/> to the current row and writes it under its ETag, reading again and re-applying
    /// when another writer came first. The change returns false to write nothing. A caller that has just read the row
    /// passes it as <c>read</c>, so the first attempt starts from it instead of reading it again (it is changed in place).
    /// </summary>
    /// <returns>The row as written (or as found when nothing was written), or null when the task is gone.</returns>
    public async Task<TaskRow?> UpdateAsync(string partition, string id, Func<TaskRow, bool> change, CancellationToken cancellationToken, TaskRow? read = null)
    {
        var table = await tables.GetAsync(StorageNames.Tasks, cancellationToken);
        for (var attempt = 1; ; attempt++)
        {
            var row = attempt == 1 && read is not null ? read : await FindAsync(partition, id, cancellationToken);
            if (row is null || !change(row))
            {
                return row;
            }

            row.LastUpdatedAt = time.GetUtcNow();
            try
            {
                var response = await table.UpdateEntityAsync(row.ToEntity(), row.ETag, TableUpdateMode.Replace, cancellationToken);
                row.ETag = response.Headers.ETag ?? row.ETag;
                return row;
            }
            catch (RequestFailedException e) when (e.Status == 412 && attempt < MaxUpdateAttempts)
            {
                await ConflictPause.WaitAsync(attempt, time, cancellationToken);
            }
            catch (RequestFailedException e) when (e.Status == 404)
            {
                return null;
            }
        }
    }

    /// <summary>Rows whose TTL has passed, for the sweeper (a scan: it runs rarely and reads only keys).</summary>
    public async Task<IReadOnlyList<(string Partition, string Id)>> ExpiredAsync(int limit, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(StorageNames.Tasks, cancellationToken);
        var expired = new List<(string, string)>();
        await foreach (var row in table.QueryAsync<TableEntity>(
            TableClient.CreateQueryFilter($"ExpiresAt le {time.GetUtcNow()}"), select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken))
        {
            expired.Add((row.PartitionKey, row.RowKey));
            if (expired.Count >= limit)
            {
                break;
            }
        }

        return expired;
    }

    public async Task DeleteAsync(string partition, string id, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(StorageNames.Tasks, cancellationToken);
        await table.DeleteEntityAsync(partition, id, ETag.All, cancellationToken);
    }
}
