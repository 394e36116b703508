using McpFunctions.Features.Notes;
using McpFunctions.Tests.Fixtures;
using ModelContextProtocol.Client;

namespace McpFunctions.Tests.Features.Notes;

public sealed class NotesToolsTests
{
    private const string IdPattern = "^[0-9a-z]{9}-[0-9a-z]{5}$";

    [TestCase(ClientTransport.Session)]
    [TestCase(ClientTransport.Stateless)]
    [TestCase(ClientTransport.LegacySse)]
    public async Task A_note_can_be_added_read_found_updated_and_deleted(ClientTransport transport)
    {
        await using var client = await transport.ConnectAsync();
        var marker = Unique();
        var tag = UniqueTag();

        var added = (await AddAsync(client, $"{marker} groceries", "Milk and eggs", [tag, "Errands"])).Read<Note>();
        Assert.Multiple(() =>
        {
            Assert.That(added.Id, Does.Match(IdPattern));
            Assert.That(added.Title, Is.EqualTo($"{marker} groceries"));
            Assert.That(added.Body, Is.EqualTo("Milk and eggs"));
            Assert.That(added.Tags, Is.EqualTo(new[] { tag, "errands" }), "tags are lower-cased and kept in order");
            Assert.That(added.UpdatedAt, Is.EqualTo(added.CreatedAt));
        });

        var row = (await StorageProbe.RowsAsync(StorageProbe.NotesTable, StorageProbe.LocalDeveloperPartition)).SingleOrDefault(r => r.RowKey == added.Id);
        Assert.That(row, Is.Not.Null, "the note is a row in the local developer's partition, keyed by its id");
        Assert.That(row!.GetString("Title"), Is.EqualTo(added.Title));

        var fetched = (await client.CallToolAsync("notes_get", new Dictionary<string, object?> { ["id"] = added.Id })).Read<Note>();
        Assert.That(fetched, Is.EqualTo(added).Using<Note>(SameNote));

        var byText = (await client.CallToolAsync("notes_search", new Dictionary<string, object?> { ["text"] = marker.ToUpperInvariant() })).Read<NoteSearchPage>().Notes;
        Assert.That(byText.Select(n => n.Id), Is.EqualTo(new[] { added.Id }), "text search is case-insensitive");
        var byTag = (await client.CallToolAsync("notes_search", new Dictionary<string, object?> { ["tag"] = tag })).Read<NoteSearchPage>().Notes;
        Assert.That(byTag.Select(n => n.Id), Is.EqualTo(new[] { added.Id }));

        var updated = (await client.CallToolAsync("notes_update", new Dictionary<string, object?> { ["id"] = added.Id, ["body"] = "Milk, eggs and bread" })).Read<Note>();
        Assert.Multiple(() =>
        {
            Assert.That(updated.Body, Is.EqualTo("Milk, eggs and bread"));
            Assert.That(updated.Title, Is.EqualTo(added.Title), "an omitted title is kept");
            Assert.That(updated.Tags, Is.EqualTo(added.Tags), "omitted tags are kept");
            Assert.That(updated.CreatedAt, Is.EqualTo(added.CreatedAt));
            Assert.That(updated.UpdatedAt, Is.GreaterThanOrEqualTo(added.UpdatedAt));
        });

        var deleted = await client.CallToolAsync("notes_delete", new Dictionary<string, object?> { ["id"] = added.Id });
        Assert.That(deleted.IsError, Is.Not.True);
        Assert.That(deleted.Text(), Does.Contain("Deleted note " + added.Id));
        Assert.That((await StorageProbe.RowsAsync(StorageProbe.NotesTable, StorageProbe.LocalDeveloperPartition)).Any(r => r.RowKey == added.Id), Is.False);

        var missing = await client.CallToolAsync("notes_get", new Dictionary<string, object?> { ["id"] = added.Id });
        Assert.That(missing.IsError, Is.True);
        Assert.That(missing.Text(), Does.Contain($"No note with id '{added.Id}'").And.Contain("notes_list"));

        var again = await client.CallToolAsync("notes_delete", new Dictionary<string, object?> { ["id"] = added.Id });
        Assert.That(again.IsError, Is.Not.True, "deleting twice is idempotent");
        Assert.That(again.Text(), Does.Contain("There was no note"));
    }

    [Test]
    public async Task Notes_list_pages_newest_first_until_the_cursor_runs_out()
    {
        await using var client = await Clients.StreamableAsync(TestRun.Server);
        var marker = Unique();
        var mine = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            mine.Add((await AddAsync(client, $"{marker} page note {i}")).Read<Note>().Id);
            await Task.Delay(3); // distinct milliseconds, so "newest first" is well defined
        }

        var seen = new List<Note>();
        string? cursor = null;
        var smallPages = 0;
        do
        {
            // Small pages until all of this test's (newest) notes are seen, then big ones to reach the end quickly.
            var pageSize = mine.All(id => seen.Any(n => n.Id == id)) ? 100 : 3;
            smallPages += pageSize == 3 ? 1 : 0;
            var arguments = new Dictionary<string, object?> { ["pageSize"] = pageSize };
            if (cursor is not null)
            {
                arguments["cursor"] = cursor;
            }

            var page = (await client.CallToolAsync("notes_list", arguments)).Read<NotePage>();
            Assert.That(page.Notes, Has.Count.LessThanOrEqualTo(pageSize));
            seen.AddRange(page.Notes);
            cursor = page.NextCursor;
        }
        while (cursor is not null && seen.Count < 100_000);

        Assert.That(cursor, Is.Null, "the last page has no cursor");
        Assert.That(smallPages, Is.GreaterThanOrEqualTo(3), "seven notes take at least three pages of three");
        Assert.That(seen.Select(n => n.Id), Is.Unique, "no note appears on two pages");
        Assert.That(seen.Select(n => n.Id), Is.Ordered.Using((IComparer<string>)StringComparer.Ordinal), "ids sort newest first, and pages follow that order");
        var mineInListOrder = seen.Where(n => n.Title.StartsWith(marker, StringComparison.Ordinal)).Select(n => n.Id).ToList();
        Assert.That(mineInListOrder, Is.EqualTo(Enumerable.Reverse(mine).ToList()), "newest first");
        // Rows from '~' on are idempotency keys and the search index, not notes.
        var stored = (await StorageProbe.RowsAsync(StorageProbe.NotesTable, StorageProbe.LocalDeveloperPartition)).Where(r => string.CompareOrdinal(r.RowKey, "~") < 0).ToList();
        Assert.That(seen.Select(n => n.Id), Is.SupersetOf(stored.Where(r => r.GetString("Title").StartsWith(marker, StringComparison.Ordinal)).Select(r => r.RowKey)));
        Assert.That(seen.Count, Is.InRange(stored.Count - 5, stored.Count + 5),
            "paging to the end visits (about) every stored note; the slack only covers other tests writing meanwhile");
    }

    [TestCase("not-a-cursor")]
    [TestCase("c1.%%%")]
    [TestCase("c1.!")]
    public async Task Notes_list_rejects_a_cursor_it_did_not_issue(string cursor)
    {
        await using var client = await Clients.StreamableAsync(TestRun.Server);

        var result = await client.CallToolAsync("notes_list", new Dictionary<string, object?> { ["cursor"] = cursor });

        Assert.That(result.IsError, Is.True);
        Assert.That(result.Text(), Does.Contain("cursor is not valid").And.Contain("omit it"));
    }

    [TestCase(0)]
    [TestCase(101)]
    public async Task Notes_list_rejects_a_page_size_out_of_range(int pageSize)
    {
        await using var client = await Clients.StreamableAsync(TestRun.Server);

        var result = await client.CallToolAsync("notes_list", new Dictionary<string, object?> { ["pageSize"] = pageSize });

        Assert.That(result.IsError, Is.True);
        Assert.That(result.Text(), Does.Contain("pageSize"));
    }

    [Test]
    public async Task Notes_search_combines_text_and_tag_and_respects_the_limit()
    {
        await using var client = await Clients.StatelessAsync(TestRun.Server);
        var marker = Unique();
        var tag = UniqueTag();
        var plain = (await AddAsync(client, $"{marker} plain", "nothing special")).Read<Note>();
        await Task.Delay(3);
        var tagged = (await AddAsync(client, "tagged one", $"mentions {marker} in the body", [tag])).Read<Note>();
        await Task.Delay(3);
        var taggedOther = (await AddAsync(client, "tagged two", "no marker here", [tag])).Read<Note>();

        var textOnly = (await client.CallToolAsync("notes_search", new Dictionary<string, object?> { ["text"] = marker })).Read<NoteSearchPage>().Notes;
        Assert.That(textOnly.Select(n => n.Id), Is.EqualTo(new[] { tagged.Id, plain.Id }), "title and body match, newest first");

        var tagOnly = (await client.CallToolAsync("notes_search", new Dictionary<string, object?> { ["tag"] = tag })).Read<NoteSearchPage>().Notes;
        Assert.That(tagOnly.Select(n => n.Id), Is.EqualTo(new[] { taggedOther.Id, tagged.Id }));

        var both = (await client.CallToolAsync("notes_search", new Dictionary<string, object?> { ["text"] = marker, ["tag"] = tag })).Read<NoteSearchPage>().Notes;
        Assert.That(both.Select(n => n.Id), Is.EqualTo(new[] { tagged.Id }));

        var limited = (await client.CallToolAsync("notes_search", new Dictionary<string, object?> { ["tag"] = tag, ["limit"] = 1 })).Read<NoteSearchPage>().Notes;
        Assert.That(limited.Select(n => n.Id), Is.EqualTo(new[] { taggedOther.Id }));

        var neither = await client.CallToolAsync("notes_search", new Dictionary<string, object?>());
        Assert.That(neither.IsError, Is.True);
        Assert.That(neither.Text(), Does.Contain("Give 'text', 'tag' or both"));
    }

    [Test]
    public async Task Notes_search_pages_with_a_cursor_and_explains_a_search_it_cannot_run()
    {
        await using var client = await Clients.StatelessAsync(TestRun.Server);
        var marker = Unique();
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            ids.Insert(0, (await AddAsync(client, $"{marker} number {i}")).Read<Note>().Id);
            await Task.Delay(3);
        }

        var first = (await client.CallToolAsync("notes_search", new Dictionary<string, object?> { ["text"] = marker, ["limit"] = 2 })).Read<NoteSearchPage>();
        var second = (await client.CallToolAsync("notes_search", new Dictionary<string, object?> { ["text"] = marker, ["limit"] = 2, ["cursor"] = first.NextCursor })).Read<NoteSearchPage>();
        var forged = await client.CallToolAsync("notes_search", new Dictionary<string, object?> { ["text"] = marker, ["cursor"] = "c1.bm90LWFuLWlk" });
        var noWords = await client.CallToolAsync("notes_search", new Dictionary<string, object?> { ["text"] = "!!! ???" });
        var tooMany = await client.CallToolAsync("notes_search", new Dictionary<string, object?> { ["text"] = "a b c d e f g h i j k" });

        Assert.Multiple(() =>
        {
            Assert.That(first.Notes.Select(n => n.Id), Is.EqualTo(ids.Take(2)));
            Assert.That(first.NextCursor, Is.Not.Null);
            Assert.That(second.Notes.Select(n => n.Id), Is.EqualTo(ids.Skip(2)));
            Assert.That(second.NextCursor, Is.Null);
            Assert.That(forged.IsError, Is.True);
            Assert.That(forged.Text(), Does.Contain("cursor is not valid"));
            Assert.That(noWords.IsError, Is.True);
            Assert.That(noWords.Text(), Does.Contain("no letters or digits"));
            Assert.That(tooMany.IsError, Is.True);
            Assert.That(tooMany.Text(), Does.Contain("at most 10"));
        });
    }

    [Test]
    public async Task Notes_update_changes_only_the_fields_given()
    {
        await using var client = await Clients.LegacySseAsync(TestRun.Server);
        var marker = Unique();
        var note = (await AddAsync(client, $"{marker} draft", "first body", ["one", "two"])).Read<Note>();

        var retitled = (await client.CallToolAsync("notes_update", new Dictionary<string, object?> { ["id"] = note.Id, ["title"] = $"{marker} final" })).Read<Note>();
        Assert.That((retitled.Title, retitled.Body, retitled.Tags), Is.EqualTo(($"{marker} final", "first body", note.Tags)));

        var retagged = (await client.CallToolAsync("notes_update", new Dictionary<string, object?> { ["id"] = note.Id, ["tags"] = new[] { "three" } })).Read<Note>();
        Assert.That((retagged.Title, retagged.Body), Is.EqualTo(($"{marker} final", "first body")));
        Assert.That(retagged.Tags, Is.EqualTo(new[] { "three" }), "tags replace the whole list");

        var cleared = (await client.CallToolAsync("notes_update", new Dictionary<string, object?> { ["id"] = note.Id, ["body"] = "", ["tags"] = Array.Empty<string>() })).Read<Note>();
        Assert.That((cleared.Title, cleared.Body, cleared.Tags.Count), Is.EqualTo(($"{marker} final", "", 0)));

        var stored = (await StorageProbe.RowsAsync(StorageProbe.NotesTable, StorageProbe.LocalDeveloperPartition)).Single(r => r.RowKey == note.Id);
        Assert.That((stored.GetString("Title"), stored.GetString("Body"), stored.GetString("Tags")), Is.EqualTo(($"{marker} final", "", "")));

        var nothing = await client.CallToolAsync("notes_update", new Dictionary<string, object?> { ["id"] = note.Id });
        Assert.That(nothing.IsError, Is.True);
        Assert.That(nothing.Text(), Does.Contain("Nothing to change"));

        var unknown = await client.CallToolAsync("notes_update", new Dictionary<string, object?> { ["id"] = "zzzzzzzzz-zzzzz", ["title"] = "x" });
        Assert.That(unknown.IsError, Is.True);
        Assert.That(unknown.Text(), Does.Contain("No note with id 'zzzzzzzzz-zzzzz'"));
    }

    internal static ValueTask<ModelContextProtocol.Protocol.CallToolResult> AddAsync(McpClient client, string title, string? body = null, string[]? tags = null)
    {
        var arguments = new Dictionary<string, object?> { ["title"] = title };
        if (body is not null)
        {
            arguments["body"] = body;
        }

        if (tags is not null)
        {
            arguments["tags"] = tags;
        }

        return client.CallToolAsync("notes_add", arguments);
    }

    private static bool SameNote(Note a, Note b) =>
        a.Id == b.Id && a.Title == b.Title && a.Body == b.Body && a.Tags.SequenceEqual(b.Tags)
        && a.CreatedAt == b.CreatedAt && a.UpdatedAt == b.UpdatedAt;

    private static string Unique() => "n" + Guid.NewGuid().ToString("N")[..16];

    private static string UniqueTag() => "t" + Guid.NewGuid().ToString("N")[..20];
}
