using System.Collections.Concurrent;
using Azure;
using Azure.Data.Tables;
using McpFunctions.Auth;
using McpFunctions.Storage;

namespace McpFunctions.Features.Notes;

/// <summary>
/// Notes in Table Storage, one row per note, partitioned by caller, with their search index (<see cref="NoteIndex"/>)
/// in the same partition. A note and its index rows are written in one entity-group transaction whenever they fit in
/// one (100 actions); a larger note's new index rows are written before the note, so a note is never stored without
/// the rows that find it. Rows an interrupted or oversized write leaves behind are only ever extra: search checks each
/// note it finds against the query, and removes such rows once they are old.
/// </summary>
internal sealed class NoteStore(StorageTables tables, TimeProvider time)
{
    /// <summary>Tries of a read-modify-write under the row's ETag, with a random pause between them so racers spread out.</summary>
    private const int MaxUpdateAttempts = 12;

    /// <summary>Actions in one entity-group transaction (Table Storage's limit).</summary>
    private const int MaxBatch = 100;

    /// <summary>Notes fetched by one query: Table Storage allows 15 comparisons in a filter, and the partition key is one.</summary>
    private const int FetchGroup = 12;

    /// <summary>Partitions this process remembers as indexed; the set is cleared when it reaches this size.</summary>
    private const int MaxIndexedRemembered = 100_000;

    /// <summary>
    /// Rows of a caller's partition at or after this key are not notes: they remember idempotency keys and index the
    /// notes, beside the notes in the same partition so that they are written in one transaction with them. Note ids
    /// never reach it.
    /// </summary>
    private const string FirstNonNoteKey = "~";

    private const string IdempotencyPrefix = "~idem-";

    /// <summary>
    /// An index row whose note no longer matches is removed only once it is this old, so that the rows of a note being
    /// written (index first, note second) are never taken for leftovers.
    /// </summary>
    private static readonly TimeSpan LeftoverAge = TimeSpan.FromMinutes(5);

    private readonly ConcurrentDictionary<string, byte> _indexed = new(StringComparer.Ordinal);

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
        List<TableTransactionAction> actions = [new(TableTransactionActionType.Add, entity)];
        if (markerKey is not null)
        {
            actions.Add(new(TableTransactionActionType.Add, new TableEntity(caller.PartitionKey, markerKey) { ["NoteId"] = entity.RowKey, ["CreatedAt"] = now }));
        }

        var index = IndexRows(caller.PartitionKey, entity.RowKey, NoteIndex.Terms(entity));
        if (actions.Count + index.Count <= MaxBatch)
        {
            actions.AddRange(index);
        }
        else
        {
            await SubmitInBatchesAsync(table, index, cancellationToken);
        }

        try
        {
            await table.SubmitTransactionAsync(actions, cancellationToken);
            return entity.ToNote();
        }
        catch (TableTransactionFailedException e) when (e.Status == 409 && markerKey is not null)
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

    /// <summary>
    /// The caller's notes that have every term of the query (<see cref="NoteIndex.QueryTerms"/>), newest first, after
    /// the note <paramref name="after"/>. It reads only the index rows of the query's terms, up to the last match it
    /// returns (each term's rows skip ahead to the next note that every other term has), and the matching notes.
    /// </summary>
    public async Task<NoteSearchPage> SearchAsync(Caller caller, string? text, string? tag, int limit, string? after, CancellationToken cancellationToken)
    {
        var terms = NoteIndex.QueryTerms(text, tag);
        var table = await tables.GetAsync(StorageNames.Notes, cancellationToken);
        await EnsureIndexedAsync(table, caller.PartitionKey, cancellationToken);

        // Longer words first: the first term drives the walk, and long words tend to be rare.
        var postings = terms.OrderByDescending(t => t.Length).Select(t => new NotePosting(table, caller.PartitionKey, t)).ToArray();
        var results = new List<Note>(limit);
        var leftovers = new List<TableEntity>();
        var position = after;
        var exhausted = false;
        while (results.Count < limit && !exhausted)
        {
            var candidates = new List<(string Id, TableEntity[] Rows)>();
            while (candidates.Count < Math.Min(FetchGroup, limit - results.Count))
            {
                if (await NotePosting.NextCommonAsync(postings, position, cancellationToken) is not { } id)
                {
                    exhausted = true;
                    break;
                }

                candidates.Add((id, postings.Select(p => p.Current!).ToArray()));
                position = id;
            }

            var found = await FetchAsync(table, caller.PartitionKey, candidates.Select(c => c.Id).ToList(), cancellationToken);
            foreach (var (id, rows) in candidates)
            {
                var note = found.GetValueOrDefault(id);
                var noteTerms = note is null ? null : NoteIndex.Terms(note);
                if (noteTerms is not null && terms.IsSubsetOf(noteTerms))
                {
                    results.Add(note!.ToNote());
                    continue;
                }

                // The note is gone, or changed since these rows were written.
                leftovers.AddRange(rows.Where((_, i) => noteTerms is null || !noteTerms.Contains(postings[i].Term)));
            }
        }

        await RemoveLeftoversAsync(table, leftovers, cancellationToken);
        var more = !exhausted && results.Count > 0 && await NotePosting.NextCommonAsync(postings, position, cancellationToken) is not null;
        return new NoteSearchPage(results, more ? PageCursor.Wrap(results[^1].Id) : null);
    }

    /// <summary>Applies the given changes under the row's ETag, re-reading on conflict so no concurrent edit is lost.</summary>
    public async Task<Note?> UpdateAsync(Caller caller, string id, string? title, string? body, IReadOnlyList<string>? tags, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(StorageNames.Notes, cancellationToken);
        await EnsureIndexedAsync(table, caller.PartitionKey, cancellationToken);
        var removeOld = true;
        for (var attempt = 1; ; attempt++)
        {
            var current = await table.GetEntityIfExistsAsync<NoteEntity>(caller.PartitionKey, id, cancellationToken: cancellationToken);
            if (!current.HasValue)
            {
                return null;
            }

            var entity = current.Value!;
            var before = NoteIndex.Terms(entity);
            entity.Title = title ?? entity.Title;
            entity.Body = body ?? entity.Body;
            entity.Tags = tags is null ? entity.Tags : string.Join(',', tags);
            entity.UpdatedAt = time.GetUtcNow();
            var terms = NoteIndex.Terms(entity);
            var added = IndexRows(caller.PartitionKey, id, terms.Except(before));
            var removed = removeOld ? IndexDeletes(caller.PartitionKey, id, before.Except(terms)) : [];
            try
            {
                if (1 + added.Count + removed.Count <= MaxBatch)
                {
                    // The note and its index change together under the note's ETag, so no other edit's index change can interleave.
                    await table.SubmitTransactionAsync([new(TableTransactionActionType.UpdateReplace, entity, entity.ETag), .. added, .. removed], cancellationToken);
                }
                else
                {
                    // Too many changes for one transaction: the new terms' rows first, then the note. The old terms' rows
                    // stay, because deleting them after the write could race a concurrent edit that adds a term back;
                    // search removes them once they are old.
                    await SubmitInBatchesAsync(table, added, cancellationToken);
                    await table.UpdateEntityAsync(entity, entity.ETag, TableUpdateMode.Replace, cancellationToken);
                }

                return entity.ToNote();
            }
            catch (RequestFailedException e) when (OnNote(e, 412) && attempt < MaxUpdateAttempts)
            {
                // Someone else changed the note between our read and write: read again and re-apply.
                await ConflictPause.WaitAsync(attempt, time, cancellationToken);
            }
            catch (RequestFailedException e) when (OnNote(e, 412))
            {
                throw new ConflictException($"Note '{id}' was changed concurrently by other requests {MaxUpdateAttempts} times in a row, so this change was not applied; retry.");
            }
            catch (RequestFailedException e) when (OnNote(e, 404))
            {
                return null;
            }
            catch (TableTransactionFailedException e) when (e.Status == 404 && attempt < MaxUpdateAttempts)
            {
                // An old term's row is already gone: write again without removing old rows (search removes them later).
                removeOld = false;
            }
        }
    }

    /// <summary>Deletes a note and its index rows; false when there was no such note.</summary>
    public async Task<bool> DeleteAsync(Caller caller, string id, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(StorageNames.Notes, cancellationToken);
        for (var attempt = 1; ; attempt++)
        {
            var current = await table.GetEntityIfExistsAsync<NoteEntity>(caller.PartitionKey, id, cancellationToken: cancellationToken);
            if (!current.HasValue)
            {
                return false;
            }

            var note = current.Value!;
            var index = IndexDeletes(caller.PartitionKey, id, NoteIndex.Terms(note));
            try
            {
                if (1 + index.Count <= MaxBatch)
                {
                    await table.SubmitTransactionAsync([new(TableTransactionActionType.Delete, note, note.ETag), .. index], cancellationToken);
                }
                else
                {
                    // A deleted note's id is never used again, so its index rows can go after it.
                    await table.DeleteEntityAsync(caller.PartitionKey, id, note.ETag, cancellationToken);
                    await SubmitInBatchesAsync(table, index, cancellationToken);
                }

                return true;
            }
            catch (RequestFailedException e) when (OnNote(e, 412) && attempt < MaxUpdateAttempts)
            {
                await ConflictPause.WaitAsync(attempt, time, cancellationToken);
            }
            catch (RequestFailedException e) when (OnNote(e, 412))
            {
                throw new ConflictException($"Note '{id}' was changed concurrently by other requests {MaxUpdateAttempts} times in a row, so it was not deleted; retry.");
            }
            catch (RequestFailedException e) when (OnNote(e, 404))
            {
                return false;
            }
            catch (TableTransactionFailedException e) when (e.Status == 404)
            {
                // An index row is missing (the partition was written before the index, say): the note goes alone, and
                // search removes any rows left once they are old.
                await table.DeleteEntityAsync(caller.PartitionKey, id, note.ETag, cancellationToken);
                return true;
            }
        }
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

    /// <summary>Whether a write failed with <paramref name="status"/> on the note itself, not on one of its index rows.</summary>
    private static bool OnNote(RequestFailedException e, int status) =>
        e.Status == status && e is not TableTransactionFailedException { FailedTransactionActionIndex: > 0 };

    private static List<TableTransactionAction> IndexRows(string partitionKey, string noteId, IEnumerable<string> terms) =>
        terms.Select(t => new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity(partitionKey, NoteIndex.RowKey(t, noteId)))).ToList();

    private static List<TableTransactionAction> IndexDeletes(string partitionKey, string noteId, IEnumerable<string> terms) =>
        terms.Select(t => new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(partitionKey, NoteIndex.RowKey(t, noteId)), ETag.All)).ToList();

    /// <summary>Submits actions on one partition in transactions of up to 100; deleting a row that is already gone is not an error.</summary>
    private static async Task SubmitInBatchesAsync(TableClient table, IReadOnlyList<TableTransactionAction> actions, CancellationToken cancellationToken)
    {
        foreach (var batch in actions.Chunk(MaxBatch))
        {
            try
            {
                await table.SubmitTransactionAsync(batch, cancellationToken);
            }
            catch (TableTransactionFailedException e) when (e.Status == 404)
            {
                foreach (var action in batch.Where(a => a.ActionType == TableTransactionActionType.Delete))
                {
                    await table.DeleteEntityAsync(action.Entity.PartitionKey, action.Entity.RowKey, ETag.All, cancellationToken);
                }

                await table.SubmitTransactionAsync(batch.Where(a => a.ActionType != TableTransactionActionType.Delete), cancellationToken);
            }
        }
    }

    /// <summary>
    /// Indexes a partition's notes once, if they were written before the index existed (their index rows are missing),
    /// then marks the partition with <see cref="NoteIndex.ReadyRow"/>. Notes written since already have their rows;
    /// writing them again changes nothing.
    /// </summary>
    private async Task EnsureIndexedAsync(TableClient table, string partitionKey, CancellationToken cancellationToken)
    {
        if (_indexed.ContainsKey(partitionKey))
        {
            return;
        }

        var ready = await table.GetEntityIfExistsAsync<TableEntity>(partitionKey, NoteIndex.ReadyRow, ["RowKey"], cancellationToken);
        if (!ready.HasValue)
        {
            var rows = new List<TableTransactionAction>();
            await foreach (var note in table.QueryAsync<NoteEntity>(e => e.PartitionKey == partitionKey && e.RowKey.CompareTo(FirstNonNoteKey) < 0, maxPerPage: 1000, cancellationToken: cancellationToken))
            {
                rows.AddRange(IndexRows(partitionKey, note.RowKey, NoteIndex.Terms(note)));
                if (rows.Count >= 10 * MaxBatch)
                {
                    await SubmitInBatchesAsync(table, rows, cancellationToken);
                    rows.Clear();
                }
            }

            await SubmitInBatchesAsync(table, rows, cancellationToken);
            await table.UpsertEntityAsync(new TableEntity(partitionKey, NoteIndex.ReadyRow) { ["IndexedAt"] = time.GetUtcNow() }, TableUpdateMode.Replace, cancellationToken);
        }

        if (_indexed.Count >= MaxIndexedRemembered)
        {
            _indexed.Clear();
        }

        _indexed[partitionKey] = 0;
    }

    /// <summary>The notes with these ids (at most <see cref="FetchGroup"/>), in one query.</summary>
    private static async Task<Dictionary<string, NoteEntity>> FetchAsync(TableClient table, string partitionKey, List<string> ids, CancellationToken cancellationToken)
    {
        var found = new Dictionary<string, NoteEntity>(StringComparer.Ordinal);
        if (ids.Count == 0)
        {
            return found;
        }

        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partitionKey}")
            + " and (" + string.Join(" or ", ids.Select(id => TableClient.CreateQueryFilter($"RowKey eq {id}"))) + ")";
        await foreach (var note in table.QueryAsync<NoteEntity>(filter, maxPerPage: ids.Count, cancellationToken: cancellationToken))
        {
            found[note.RowKey] = note;
        }

        return found;
    }

    /// <summary>Deletes index rows whose note is gone or no longer has the term, if they are old and unchanged since read.</summary>
    private async Task RemoveLeftoversAsync(TableClient table, List<TableEntity> rows, CancellationToken cancellationToken)
    {
        var cutoff = time.GetUtcNow() - LeftoverAge;
        foreach (var row in rows.Where(r => r.Timestamp < cutoff))
        {
            try
            {
                // Under the ETag read: a row that a write has just written again stays.
                await table.DeleteEntityAsync(row.PartitionKey, row.RowKey, row.ETag, cancellationToken);
            }
            catch (RequestFailedException e) when (e.Status is 404 or 412)
            {
            }
        }
    }
}
