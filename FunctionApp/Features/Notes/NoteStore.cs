using Azure;
using Azure.Data.Tables;
using McpFunctions.Auth;
using McpFunctions.Storage;

namespace McpFunctions.Features.Notes;

/// <summary>Notes in Table Storage, one row per note, partitioned by caller.</summary>
internal sealed class NoteStore(StorageTables tables, TimeProvider time)
{
    /// <summary>Search reads at most this many rows of a caller's partition (Table Storage has no substring index).</summary>
    public const int MaxSearchScan = 5_000;

    private const int MaxUpdateAttempts = 5;

    public async Task<Note> AddAsync(Caller caller, string title, string body, IReadOnlyList<string> tags, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(StorageNames.Notes, cancellationToken);
        var now = time.GetUtcNow();
        var entity = new NoteEntity
        {
            PartitionKey = caller.PartitionKey,
            RowKey = NoteRules.NewId(now),
            Title = title,
            Body = body,
            Tags = string.Join(',', tags),
            CreatedAt = now,
            UpdatedAt = now,
        };
        await table.AddEntityAsync(entity, cancellationToken);
        return entity.ToNote();
    }

    public async Task<Note?> GetAsync(Caller caller, string id, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(StorageNames.Notes, cancellationToken);
        var response = await table.GetEntityIfExistsAsync<NoteEntity>(caller.PartitionKey, id, cancellationToken: cancellationToken);
        return response.HasValue ? response.Value!.ToNote() : null;
    }

    public async Task<NotePage> ListAsync(Caller caller, int pageSize, string? cursor, CancellationToken cancellationToken)
    {
        var continuation = ListCursor.Unwrap(cursor, "notes_list");
        var table = await tables.GetAsync(StorageNames.Notes, cancellationToken);
        var pages = table.QueryAsync<NoteEntity>(e => e.PartitionKey == caller.PartitionKey, pageSize, cancellationToken: cancellationToken)
            .AsPages(continuation, pageSize);
        try
        {
            await foreach (var page in pages)
            {
                return new NotePage(page.Values.Select(e => e.ToNote()).ToArray(), PageCursor.Wrap(page.ContinuationToken));
            }
        }
        catch (RequestFailedException e) when (e.Status == 400 && continuation is not null)
        {
            throw ListCursor.NotForThisList();
        }

        return new NotePage([], null);
    }

    /// <summary>Case-insensitive substring search over title, body and tags, newest first.</summary>
    public async Task<IReadOnlyList<Note>> SearchAsync(Caller caller, string? text, string? tag, int limit, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(StorageNames.Notes, cancellationToken);
        var results = new List<Note>(limit);
        var scanned = 0;
        await foreach (var entity in table.QueryAsync<NoteEntity>(e => e.PartitionKey == caller.PartitionKey, maxPerPage: 1000, cancellationToken: cancellationToken))
        {
            if (++scanned > MaxSearchScan)
            {
                break;
            }

            var note = entity.ToNote();
            if (tag is not null && !note.Tags.Contains(tag, StringComparer.Ordinal))
            {
                continue;
            }

            if (string.IsNullOrEmpty(text)
                || note.Title.Contains(text, StringComparison.OrdinalIgnoreCase)
                || note.Body.Contains(text, StringComparison.OrdinalIgnoreCase)
                || note.Tags.Any(t => t.Contains(text, StringComparison.OrdinalIgnoreCase)))
            {
                results.Add(note);
                if (results.Count == limit)
                {
                    break;
                }
            }
        }

        return results;
    }

    /// <summary>Applies the given changes under the row's ETag, re-reading on conflict so no concurrent edit is lost.</summary>
    public async Task<Note?> UpdateAsync(Caller caller, string id, string? title, string? body, IReadOnlyList<string>? tags, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(StorageNames.Notes, cancellationToken);
        for (var attempt = 1; ; attempt++)
        {
            var current = await table.GetEntityIfExistsAsync<NoteEntity>(caller.PartitionKey, id, cancellationToken: cancellationToken);
            if (!current.HasValue)
            {
                return null;
            }

            var entity = current.Value!;
            entity.Title = title ?? entity.Title;
            entity.Body = body ?? entity.Body;
            entity.Tags = tags is null ? entity.Tags : string.Join(',', tags);
            entity.UpdatedAt = time.GetUtcNow();
            try
            {
                var response = await table.UpdateEntityAsync(entity, entity.ETag, TableUpdateMode.Replace, cancellationToken);
                entity.ETag = response.Headers.ETag ?? entity.ETag;
                return entity.ToNote();
            }
            catch (RequestFailedException e) when (e.Status == 412 && attempt < MaxUpdateAttempts)
            {
                // Someone else changed the note between our read and write: read again and re-apply.
            }
            catch (RequestFailedException e) when (e.Status == 412)
            {
                throw new ConflictException($"Note '{id}' was changed concurrently by other requests {MaxUpdateAttempts} times in a row; nothing was changed. Retry.");
            }
            catch (RequestFailedException e) when (e.Status == 404)
            {
                return null;
            }
        }
    }

    public async Task<bool> DeleteAsync(Caller caller, string id, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(StorageNames.Notes, cancellationToken);
        var response = await table.DeleteEntityAsync(caller.PartitionKey, id, ETag.All, cancellationToken);
        return response.Status != 404;
    }

    /// <summary>Deletes every note of the caller in batches of 100 (one entity-group transaction each).</summary>
    public async Task<int> DeleteAllAsync(Caller caller, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(StorageNames.Notes, cancellationToken);
        var deleted = 0;
        var batch = new List<TableTransactionAction>(100);
        await foreach (var row in table.QueryAsync<TableEntity>(e => e.PartitionKey == caller.PartitionKey, select: ["RowKey"], cancellationToken: cancellationToken))
        {
            batch.Add(new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(caller.PartitionKey, row.RowKey), ETag.All));
            if (batch.Count == 100)
            {
                deleted += await SubmitAsync(table, batch, cancellationToken);
            }
        }

        if (batch.Count > 0)
        {
            deleted += await SubmitAsync(table, batch, cancellationToken);
        }

        return deleted;
    }

    public async Task<int> CountAsync(Caller caller, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(StorageNames.Notes, cancellationToken);
        var count = 0;
        await foreach (var _ in table.QueryAsync<TableEntity>(e => e.PartitionKey == caller.PartitionKey, select: ["RowKey"], cancellationToken: cancellationToken))
        {
            count++;
        }

        return count;
    }

    private static async Task<int> SubmitAsync(TableClient table, List<TableTransactionAction> batch, CancellationToken cancellationToken)
    {
        var count = batch.Count;
        await table.SubmitTransactionAsync(batch, cancellationToken);
        batch.Clear();
        return count;
    }
}
