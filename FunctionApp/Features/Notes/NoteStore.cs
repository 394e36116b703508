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

    /// <summary>Tries of a read-modify-write under the row's ETag, with a random pause between them so racers spread out.</summary>
    private const int MaxUpdateAttempts = 12;

    /// <summary>
    /// Rows of a caller's partition at or after this key are not notes: they remember idempotency keys, each beside the
    /// notes in the same partition so that a note and its key are written in one transaction. Note ids never reach it.
    /// </summary>
    private const string FirstNonNoteKey = "~";

    private const string IdempotencyPrefix = "~idem-";

    /// <summary>
    /// Adds a note. With an <paramref name="idempotencyKey"/>, the note and a row remembering the key are written in one
    /// transaction, so a retry with the same key (the client lost the first answer) returns the first note instead of
    /// adding another, and two racing retries add one note between them.
    /// </summary>
    public async Task<Note> AddAsync(Caller caller, string title, string body, IReadOnlyList<string> tags, string? idempotencyKey, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(StorageNames.Notes, cancellationToken);
        var markerKey = idempotencyKey is null ? null : IdempotencyPrefix + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(idempotencyKey)))[..32];
        if (markerKey is not null && await EarlierAddAsync(table, caller, markerKey, cancellationToken) is { } earlier)
        {
            return earlier;
        }

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
        if (markerKey is null)
        {
            await table.AddEntityAsync(entity, cancellationToken);
            return entity.ToNote();
        }

        try
        {
            await table.SubmitTransactionAsync(
            [
                new TableTransactionAction(TableTransactionActionType.Add, entity),
                new TableTransactionAction(TableTransactionActionType.Add, new TableEntity(caller.PartitionKey, markerKey) { ["NoteId"] = entity.RowKey, ["CreatedAt"] = now }),
            ], cancellationToken);
            return entity.ToNote();
        }
        catch (TableTransactionFailedException e) when (e.Status == 409)
        {
            // A concurrent call with the same key wrote first; its note is the one.
            return await EarlierAddAsync(table, caller, markerKey, cancellationToken)
                ?? throw new ConflictException("A note with this idempotency key was being added at the same time; retry.");
        }
    }

    /// <summary>The note an earlier call with the same idempotency key added, or null when there was none.</summary>
    private static async Task<Note?> EarlierAddAsync(TableClient table, Caller caller, string markerKey, CancellationToken cancellationToken)
    {
        var marker = await table.GetEntityIfExistsAsync<TableEntity>(caller.PartitionKey, markerKey, ["NoteId"], cancellationToken);
        if (!marker.HasValue || marker.Value?.GetString("NoteId") is not { } noteId)
        {
            return null;
        }

        var note = await table.GetEntityIfExistsAsync<NoteEntity>(caller.PartitionKey, noteId, cancellationToken: cancellationToken);
        return note.HasValue ? note.Value!.ToNote()
            : throw new ConflictException($"This idempotency key already added note '{noteId}', which has since been deleted; use a new key to add another.");
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
        var pages = table.QueryAsync<NoteEntity>(e => e.PartitionKey == caller.PartitionKey && e.RowKey.CompareTo(FirstNonNoteKey) < 0, pageSize, cancellationToken: cancellationToken)
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
        await foreach (var entity in table.QueryAsync<NoteEntity>(e => e.PartitionKey == caller.PartitionKey && e.RowKey.CompareTo(FirstNonNoteKey) < 0, maxPerPage: 1000, cancellationToken: cancellationToken))
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
                await ConflictPause.WaitAsync(attempt, time, cancellationToken);
            }
            catch (RequestFailedException e) when (e.Status == 412)
            {
                throw new ConflictException($"Note '{id}' was changed concurrently by other requests {MaxUpdateAttempts} times in a row, so this change was not applied; retry.");
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

    /// <summary>Deletes every note of the caller (and the idempotency keys) in batches of 100 (one entity-group transaction each); returns the notes deleted.</summary>
    public async Task<int> DeleteAllAsync(Caller caller, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(StorageNames.Notes, cancellationToken);
        var deleted = 0;
        var markers = 0;
        var batch = new List<TableTransactionAction>(100);
        await foreach (var row in table.QueryAsync<TableEntity>(e => e.PartitionKey == caller.PartitionKey, select: ["RowKey"], cancellationToken: cancellationToken))
        {
            markers += string.CompareOrdinal(row.RowKey, FirstNonNoteKey) >= 0 ? 1 : 0;
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

        return deleted - markers;
    }

    public async Task<int> CountAsync(Caller caller, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(StorageNames.Notes, cancellationToken);
        var count = 0;
        await foreach (var _ in table.QueryAsync<TableEntity>(e => e.PartitionKey == caller.PartitionKey && e.RowKey.CompareTo(FirstNonNoteKey) < 0, select: ["RowKey"], cancellationToken: cancellationToken))
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
