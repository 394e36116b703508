using Azure.Data.Tables;
using McpFunctions.Auth;
using McpFunctions.Features.Notes;
using McpFunctions.Storage;
using McpFunctions.Tests.Fixtures;
using Microsoft.Extensions.Options;

namespace McpFunctions.Tests.Features.Notes;

/// <summary>
/// Search through the notes' index, straight against the run's Azurite: right at any size, paged instead of cut off,
/// its storage requests counted, and the index kept exact through edits of any size.
/// </summary>
public sealed class NoteSearchTests
{
    private const int StoredNotes = 6_000;

    [Test]
    public async Task Search_finds_every_match_among_6000_notes_stored_before_the_index_and_reads_only_what_it_returns()
    {
        var log = new StorageRequestLog();
        var store = Store(log);
        var caller = NewCaller("many");
        // Rows as the app wrote them before the index existed (no index rows, no ready marker): the first search
        // indexes them. Every 1,000th note mentions "needle", the oldest of them past the 5,000 notes the old scan read.
        var ids = await StoreWithoutIndexAsync(caller, StoredNotes, i => i % 1000 == 999 ? "a needle in the stack" : "hay and more hay");
        try
        {
            await SearchManyAsync(store, log, caller, ids);
        }
        finally
        {
            // The run's other tests scan the notes table; 40,000 rows left here would slow them.
            await store.DeleteAllAsync(caller, CancellationToken.None);
        }
    }

    private static async Task SearchManyAsync(NoteStore store, StorageRequestLog log, Caller caller, IReadOnlyList<string> ids)
    {
        var needles = ids.Where((_, i) => i % 1000 == 999).ToArray();

        var first = await store.SearchAsync(caller, "NEEDLE", null, 50, null, CancellationToken.None);
        Assert.That(first.Notes.Select(n => n.Id), Is.EqualTo(needles), "every match, newest first");
        Assert.That(first.NextCursor, Is.Null);

        var mark = log.Mark();
        var page = await store.SearchAsync(caller, "needle", null, 2, null, CancellationToken.None);
        var pageRequests = log.Requests.Count - mark;
        var seen = page.Notes.Select(n => n.Id).ToList();
        while (page.NextCursor is { } cursor)
        {
            Assert.That(PageCursor.TryUnwrap(cursor, out var after), Is.True);
            page = await store.SearchAsync(caller, "needle", null, 2, after, CancellationToken.None);
            seen.AddRange(page.Notes.Select(n => n.Id));
        }

        mark = log.Mark();
        var common = await store.SearchAsync(caller, "hay", null, 10, null, CancellationToken.None);
        var commonRequests = log.Requests.Count - mark;

        Assert.Multiple(() =>
        {
            Assert.That(seen, Is.EqualTo(needles), "pages of two, by cursor, give the same matches once each");
            Assert.That(pageRequests, Is.LessThanOrEqualTo(2), "one index query and one query for the notes");
            Assert.That(common.Notes, Has.Count.EqualTo(10));
            Assert.That(common.Notes.Select(n => n.Id), Is.Ordered.Using((IComparer<string>)StringComparer.Ordinal), "newest first");
            Assert.That(common.NextCursor, Is.Not.Null, "more match than were returned, and the result says so");
            Assert.That(commonRequests, Is.LessThanOrEqualTo(4), "10 of 5,994 matches cost their index rows and their notes, not the partition");
        });
    }

    [Test]
    public async Task Edits_and_deletes_keep_the_index_exact()
    {
        var store = Store(new StorageRequestLog());
        var caller = NewCaller("edits");
        var note = await store.AddAsync(caller, "Quarterly report", "Draft for the board, e-mail Anna", ["work"], null, CancellationToken.None);

        Assert.That(await FindAsync(store, caller, "quarterly"), Is.EqualTo(new[] { note.Id }));
        Assert.That(await FindAsync(store, caller, "anna e-mail"), Is.EqualTo(new[] { note.Id }), "words in any order, punctuation ignored");
        Assert.That(await FindAsync(store, caller, "repo"), Is.Empty, "whole words only");
        Assert.That(await IndexRowsAsync(caller, note.Id), Is.EquivalentTo(new[]
        {
            "~w:quarterly", "~w:report", "~w:draft", "~w:for", "~w:the", "~w:board", "~w:e", "~w:mail", "~w:anna", "~w:work", "~t:work",
        }));

        await store.UpdateAsync(caller, note.Id, null, "Final version", ["done"], CancellationToken.None);
        await Assert.MultipleAsync(async () =>
        {
            Assert.That(await FindAsync(store, caller, "anna"), Is.Empty, "a removed word no longer finds the note");
            Assert.That(await FindAsync(store, caller, "final quarterly"), Is.EqualTo(new[] { note.Id }));
            Assert.That(await FindAsync(store, caller, null, "done"), Is.EqualTo(new[] { note.Id }));
            Assert.That(await FindAsync(store, caller, null, "work"), Is.Empty);
            Assert.That(await IndexRowsAsync(caller, note.Id), Is.EquivalentTo(new[] { "~w:quarterly", "~w:report", "~w:final", "~w:version", "~w:done", "~t:done" }),
                "the note and its index change in one transaction");
        });

        Assert.That(await store.DeleteAsync(caller, note.Id, CancellationToken.None), Is.True);
        Assert.That(await IndexRowsAsync(caller, note.Id), Is.Empty);
        Assert.That(await FindAsync(store, caller, "quarterly"), Is.Empty);
    }

    [Test]
    public async Task A_note_with_more_words_than_one_transaction_holds_is_found_by_every_word_and_never_by_a_removed_one()
    {
        var store = Store(new StorageRequestLog());
        var caller = NewCaller("long");
        var note = await store.AddAsync(caller, "long", string.Join(' ', Enumerable.Range(0, 300).Select(i => $"old{i}")), [], null, CancellationToken.None);
        Assert.That(await FindAsync(store, caller, "old299 old0"), Is.EqualTo(new[] { note.Id }));

        await store.UpdateAsync(caller, note.Id, null, string.Join(' ', Enumerable.Range(0, 300).Select(i => $"new{i}")), null, CancellationToken.None);
        await Assert.MultipleAsync(async () =>
        {
            Assert.That(await FindAsync(store, caller, "new299"), Is.EqualTo(new[] { note.Id }));
            Assert.That(await FindAsync(store, caller, "old299"), Is.Empty, "the old words' rows may stay for a while, but the note is checked");
            Assert.That(await IndexRowsAsync(caller, note.Id), Does.Contain("~w:new0").And.Contain("~w:new299"));
        });

        Assert.That(await store.DeleteAsync(caller, note.Id, CancellationToken.None), Is.True);
        Assert.That((await IndexRowsAsync(caller, note.Id)).Where(r => r.StartsWith("~w:new", StringComparison.Ordinal)), Is.Empty);
        Assert.That(await FindAsync(store, caller, "old1"), Is.Empty);
    }

    private static NoteStore Store(StorageRequestLog log) =>
        new(new StorageTables(new Lazy<TableServiceClient>(() => log.ClientsFor(TestRun.Azurite.ConnectionString).Tables), Options.Create(new StorageOptions())), TimeProvider.System);

    private static Caller NewCaller(string name) => new($"search-{name}-{Guid.NewGuid():N}", name, "test", []);

    private static async Task<IReadOnlyList<string>> FindAsync(NoteStore store, Caller caller, string? text, string? tag = null) =>
        (await store.SearchAsync(caller, text, tag, 50, null, CancellationToken.None)).Notes.Select(n => n.Id).ToArray();

    /// <summary>The note's index rows, without the note id: <c>~w:word</c> and <c>~t:tag</c>.</summary>
    private static async Task<IReadOnlyList<string>> IndexRowsAsync(Caller caller, string noteId) =>
        (await StorageProbe.RowsAsync(StorageProbe.NotesTable, caller.PartitionKey))
            .Select(r => r.RowKey)
            .Where(k => k.StartsWith('~') && k.EndsWith(":" + noteId, StringComparison.Ordinal))
            .Select(k => k[..^(noteId.Length + 1)])
            .ToArray();

    /// <summary>Stores notes as plain rows, note i made i ms before note 0; returns their ids, newest (note 0) first.</summary>
    private static async Task<IReadOnlyList<string>> StoreWithoutIndexAsync(Caller caller, int count, Func<int, string> body)
    {
        var table = StorageProbe.Tables.GetTableClient(StorageProbe.NotesTable);
        await table.CreateIfNotExistsAsync();
        var start = DateTimeOffset.UtcNow;
        var ids = Enumerable.Range(0, count).Select(i => NoteRules.NewId(start.AddMilliseconds(-i))).ToArray();
        foreach (var batch in Enumerable.Range(0, count).Chunk(100))
        {
            await table.SubmitTransactionAsync(batch.Select(i => new TableTransactionAction(TableTransactionActionType.Add, new NoteEntity
            {
                PartitionKey = caller.PartitionKey,
                RowKey = ids[i],
                Title = $"note {i}",
                Body = body(i),
                Tags = i % 1000 == 999 ? "stack" : "",
                CreatedAt = start.AddMilliseconds(-i),
                UpdatedAt = start.AddMilliseconds(-i),
            })));
        }

        return ids;
    }
}
