using Azure.Data.Tables;
using Azure.Storage.Blobs;
using McpFunctions.Auth;
using McpFunctions.Features.Files;
using McpFunctions.Features.Notes;
using McpFunctions.Features.Preferences;
using McpFunctions.Storage;
using McpFunctions.Tests.Fixtures;
using Microsoft.Extensions.Options;

namespace McpFunctions.Tests.Features;

/// <summary>The stores straight against the run's Azurite, without the MCP layer.</summary>
public sealed class StoreTests
{
    private static readonly IOptions<StorageOptions> Options = Microsoft.Extensions.Options.Options.Create(new StorageOptions());

    private static StorageTables Tables => new(new Lazy<TableServiceClient>(() => new TableServiceClient(TestRun.Azurite.ConnectionString)), Options);

    private static StorageContainers Containers => new(new Lazy<BlobServiceClient>(() => new BlobServiceClient(TestRun.Azurite.ConnectionString)));

    [Test]
    public async Task Racing_retries_with_one_idempotency_key_add_one_note_and_all_get_it()
    {
        var store = new NoteStore(Tables, TimeProvider.System);
        var caller = new Caller("idem-" + Guid.NewGuid().ToString("N"), null, "test", []);
        var key = Guid.NewGuid().ToString();

        var notes = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => store.AddAsync(caller, "once", "body", [], key, CancellationToken.None)));
        var later = await store.AddAsync(caller, "once", "body", [], key, CancellationToken.None);
        var other = await store.AddAsync(caller, "twice", "body", [], Guid.NewGuid().ToString(), CancellationToken.None);

        Assert.That(notes.Select(n => n.Id).Distinct(), Has.Exactly(1).Items);
        Assert.That(later.Id, Is.EqualTo(notes[0].Id));
        Assert.That(other.Id, Is.Not.EqualTo(notes[0].Id));
        Assert.That(await store.CountAsync(caller, CancellationToken.None), Is.EqualTo(2), "the keys' rows are not notes");
        Assert.That((await store.ListAsync(caller, 100, null, CancellationToken.None)).Notes.Select(n => n.Title), Is.EquivalentTo(new[] { "once", "twice" }));
        Assert.That(await store.DeleteAllAsync(caller, CancellationToken.None), Is.EqualTo(2));
    }

    [Test]
    public async Task Sixteen_callers_updating_one_note_at_once_are_retried_with_jitter_and_none_fails_silently()
    {
        var store = new NoteStore(Tables, TimeProvider.System);
        var caller = new Caller("race-" + Guid.NewGuid().ToString("N"), null, "test", []);
        var note = await store.AddAsync(caller, "contended", "start", [], null, CancellationToken.None);
        using var go = new ManualResetEventSlim();

        var racers = Enumerable.Range(0, 16).Select(i => Task.Run(async () =>
        {
            go.Wait();
            try
            {
                return await store.UpdateAsync(caller, note.Id, null, $"body {i}", null, CancellationToken.None) is null ? "missing" : "updated";
            }
            catch (McpFunctions.Features.ConflictException e)
            {
                return e.Message;
            }
        })).ToArray();
        go.Set();
        var results = await Task.WhenAll(racers);
        TestContext.Out.WriteLine($"16 concurrent updates: {results.Count(r => r == "updated")} applied, {results.Count(r => r != "updated")} refused");

        Assert.That(results.Where(r => r != "updated"), Is.All.Contain("changed concurrently").And.All.Contain("retry"));
        Assert.That(results.Count(r => r == "updated"), Is.GreaterThanOrEqualTo(12), "the jittered retries let nearly every racer through");
    }

    [Test]
    public async Task Concurrent_updates_of_different_fields_of_one_note_are_all_kept()
    {
        var store = new NoteStore(Tables, TimeProvider.System);
        var caller = LocalDeveloperCaller();
        var note = await store.AddAsync(caller, $"etag {Guid.NewGuid():N}", "start", ["start"], null, CancellationToken.None);

        for (var round = 0; round < 15; round++)
        {
            // Each round races three read-modify-write cycles on the same row; without the ETag check the last
            // writer would put back the fields it read before the others wrote them.
            using var go = new ManualResetEventSlim();
            var updates = new[]
            {
                Task.Run(async () => { go.Wait(); return await store.UpdateAsync(caller, note.Id, $"title {round}", null, null, CancellationToken.None); }),
                Task.Run(async () => { go.Wait(); return await store.UpdateAsync(caller, note.Id, null, $"body {round}", null, CancellationToken.None); }),
                Task.Run(async () => { go.Wait(); return await store.UpdateAsync(caller, note.Id, null, null, [$"round-{round}"], CancellationToken.None); }),
            };
            go.Set();
            var results = await Task.WhenAll(updates);

            Assert.That(results, Has.All.Not.Null, "every update found the note");
            var stored = await store.GetAsync(caller, note.Id, CancellationToken.None);
            Assert.That((stored!.Title, stored.Body, stored.Tags.Single()), Is.EqualTo(($"title {round}", $"body {round}", $"round-{round}")), $"round {round}: no update was lost");
        }
    }

    [Test]
    public async Task Updating_or_deleting_a_missing_note_reports_it_missing()
    {
        var store = new NoteStore(Tables, TimeProvider.System);
        var caller = LocalDeveloperCaller();
        var note = await store.AddAsync(caller, $"gone {Guid.NewGuid():N}", "", [], null, CancellationToken.None);

        Assert.That(await store.DeleteAsync(caller, note.Id, CancellationToken.None), Is.True);
        Assert.That(await store.DeleteAsync(caller, note.Id, CancellationToken.None), Is.False);
        Assert.That(await store.UpdateAsync(caller, note.Id, "x", null, null, CancellationToken.None), Is.Null);
        Assert.That(await store.GetAsync(caller, note.Id, CancellationToken.None), Is.Null);
    }

    [Test]
    public async Task Notes_of_one_caller_are_invisible_to_another()
    {
        var store = new NoteStore(Tables, TimeProvider.System);
        var alice = OtherCaller("alice");
        var bob = OtherCaller("bob");
        var note = await store.AddAsync(alice, "private", "secret", [], null, CancellationToken.None);

        Assert.That(await store.GetAsync(bob, note.Id, CancellationToken.None), Is.Null);
        Assert.That((await store.ListAsync(bob, 100, null, CancellationToken.None)).Notes, Is.Empty);
        Assert.That((await store.SearchAsync(bob, "secret", null, 10, null, CancellationToken.None)).Notes, Is.Empty);
        Assert.That(await store.UpdateAsync(bob, note.Id, "stolen", null, null, CancellationToken.None), Is.Null);
        Assert.That((await store.GetAsync(alice, note.Id, CancellationToken.None))!.Title, Is.EqualTo("private"));
    }

    [Test]
    public async Task Hostile_file_names_stay_inside_the_callers_blob_prefix()
    {
        // The tools reject these names, but the store must be safe on its own: encoding keeps each name one segment.
        var store = new UserFileStore(Containers, Options);
        var caller = OtherCaller("files/with#odd?id");
        string[] names = ["..", "../other", "a/b", "a\\b", ".hidden", "q?x#y%z", "😀"];
        foreach (var name in names)
        {
            await store.WriteAsync(caller, name, BinaryData.FromString(name), "text/plain", CancellationToken.None);
        }

        var blobs = await StorageProbe.BlobNamesAsync(caller.PartitionKey + "/");
        Assert.That(blobs, Has.Count.EqualTo(names.Length));
        Assert.That(blobs.Select(b => b.Split('/')), Has.All.Length.EqualTo(2), "the partition prefix plus one segment");
        Assert.That(blobs.Select(b => b.Split('/')[1]), Has.None.EqualTo("..").And.None.EqualTo("."));
        Assert.That(caller.PartitionKey, Does.Not.Contain("/"));

        var listed = (await store.ListAsync(caller, 100, null, CancellationToken.None)).Files.Select(f => f.Name);
        Assert.That(listed, Is.EquivalentTo(names));
        foreach (var name in names)
        {
            Assert.That((await store.ReadAsync(caller, name, CancellationToken.None))!.Content.ToString(), Is.EqualTo(name));
        }
    }

    [Test]
    public async Task Preference_keys_with_characters_table_keys_forbid_round_trip()
    {
        var store = new PreferenceStore(Tables, TimeProvider.System);
        var caller = OtherCaller("prefs");
        string[] keys = ["a/b", "c\\d", "e#f", "g?h", "tab\tcontrol\u0001", "~41", "A"];
        foreach (var key in keys)
        {
            await store.SetAsync(caller, key, "value of " + key, CancellationToken.None);
        }

        foreach (var key in keys)
        {
            Assert.That((await store.GetAsync(caller, key, CancellationToken.None))!.Value, Is.EqualTo("value of " + key));
        }

        var rows = await StorageProbe.RowsAsync(StorageProbe.PreferencesTable, caller.PartitionKey);
        Assert.That(rows.Select(r => r.RowKey), Is.EquivalentTo(keys.Select(StorageKey.Encode)));
        Assert.That((await store.ListAsync(caller, null, CancellationToken.None)).Select(p => p.Key), Is.EqualTo(keys.Order(StringComparer.Ordinal)));
    }

    [Test]
    public async Task Writing_a_file_twice_reports_created_then_replaced()
    {
        var store = new UserFileStore(Containers, Options);
        var caller = OtherCaller("created");

        var first = await store.WriteAsync(caller, "f.txt", BinaryData.FromString("1"), "text/plain", CancellationToken.None);
        var second = await store.WriteAsync(caller, "f.txt", BinaryData.FromString("22"), "text/plain", CancellationToken.None);

        Assert.That((first.Created, second.Created), Is.EqualTo((true, false)));
        Assert.That(second.File.Size, Is.EqualTo(2));
    }

    private static Caller LocalDeveloperCaller() => new(LocalDeveloper.SubjectId, "Local developer", LocalDeveloper.SchemeName, []);

    /// <summary>A caller of its own, so listing tests see only their own rows.</summary>
    private static Caller OtherCaller(string name) => new($"{name}-{Guid.NewGuid():N}", name, "test", []);
}
