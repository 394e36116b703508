using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using McpFunctions.Tests.Fixtures;
using ModelContextProtocol;
using ModelContextProtocol.Client;

namespace McpFunctions.Tests.Storage;

/// <summary>
/// The app between its clients and a storage that fails: a TCP fault proxy (<see cref="FaultProxy"/>) in front of
/// Azurite refuses or black-holes traffic, and tables and containers are deleted under a running app. Requests get
/// 503 with <c>Retry-After</c> or a tool error that says to retry, never a 500; nothing acknowledged is lost or
/// doubled; and the app works again, with no restart, once storage is back.
/// </summary>
[NonParallelizable]
public sealed class StorageFaultTests
{
    private FaultProxy _tables = null!;
    private FaultProxy _blobs = null!;
    private LoopbackServer _server = null!;
    private string _prefix = null!;
    private string _files = null!;

    [SetUp]
    public void Start()
    {
        _tables = FaultProxy.Start(TestRun.Azurite.TablePort);
        _blobs = FaultProxy.Start(TestRun.Azurite.BlobPort);
        _prefix = "fault" + Guid.NewGuid().ToString("N")[..8];
        _files = "files-" + _prefix;
        _server = new LoopbackServer(FaultProxy.ConnectionString(_tables, _blobs), new Dictionary<string, string?>
        {
            ["Storage:TablePrefix"] = _prefix,
            ["Storage:FilesContainer"] = _files,
        }).Start();
    }

    [TearDown]
    public async Task StopAsync()
    {
        foreach (var entry in _server.Errors.Entries)
        {
            TestContext.Out.WriteLine(entry);
        }

        await _server.DisposeAsync();
        await _tables.DisposeAsync();
        await _blobs.DisposeAsync();
    }

    [Test]
    public async Task A_tool_whose_storage_is_down_says_to_retry_and_nothing_acknowledged_is_lost_or_doubled()
    {
        await using var client = await Clients.StatelessAsync(_server);
        var acknowledged = 0;
        for (var i = 0; i < 3; i++)
        {
            Assert.That((await client.CallToolAsync("notes_add", new Dictionary<string, object?> { ["title"] = $"before {i}", ["body"] = "x" })).IsError, Is.Not.True);
            acknowledged++;
        }

        var key = Guid.NewGuid().ToString();
        var during = new Dictionary<string, object?> { ["title"] = "during", ["body"] = "x", ["idempotencyKey"] = key };
        _tables.Mode = FaultMode.Refuse;
        var refused = await client.CallToolAsync("notes_add", during);
        _tables.Mode = FaultMode.Pass;
        var after = await client.CallToolAsync("notes_add", new Dictionary<string, object?> { ["title"] = "after", ["body"] = "x" });
        acknowledged++;
        // The client retries the refused call with its key, and once more as if that answer were lost: one note.
        var retried = (await client.CallToolAsync("notes_add", during)).Read<McpFunctions.Features.Notes.Note>();
        var again = (await client.CallToolAsync("notes_add", during)).Read<McpFunctions.Features.Notes.Note>();
        acknowledged++;

        Assert.That(refused.IsError, Is.True);
        Assert.That(refused.Text(), Does.Contain("temporarily unavailable").And.Contain("Retry"));
        Assert.That(after.IsError, Is.Not.True, after.Text());
        Assert.That(again.Id, Is.EqualTo(retried.Id));
        var titles = await TitlesAsync();
        Assert.That(titles, Has.Length.EqualTo(acknowledged).And.Unique, "every acknowledged note once");
        Assert.That(_server.Errors.Entries, Is.Empty, "an outage is a warning, not an error");
    }

    [Test]
    public async Task Under_load_an_outage_gives_only_retry_answers_and_every_note_is_stored_once()
    {
        // Eight clients (four in sessions, four stateless) add notes in a loop, each retrying a refused call with its
        // idempotency key, as the load test did; storage goes away for two seconds in the middle.
        var clients = new List<McpClient>();
        for (var i = 0; i < 8; i++)
        {
            clients.Add(i % 2 == 0 ? await Clients.StreamableAsync(_server) : await Clients.StatelessAsync(_server));
        }

        var load = await NoteLoad.RunAsync(clients, 12, async () =>
        {
            _tables.Mode = FaultMode.Refuse;
            await Task.Delay(TimeSpan.FromSeconds(2));
            _tables.Mode = FaultMode.Pass;
        });
        foreach (var client in clients)
        {
            await client.DisposeAsync();
        }

        Assert.That(load.Acknowledged, Is.EqualTo(96));
        Assert.That(load.Refusals, Is.All.Contain("temporarily unavailable").Or.Contain("503"), "only answers that say to retry");
        Assert.That(load.Refusals, Has.None.Contain("500").And.None.Contain("An error occurred."));
        var titles = await TitlesAsync();
        Assert.That(titles, Has.Length.EqualTo(96).And.Unique, "every note stored exactly once");
        Assert.That(_server.Errors.Entries, Is.Empty);
    }

    [Test]
    public async Task A_new_session_while_storage_is_down_gets_503_with_Retry_After_and_a_JSON_RPC_body()
    {
        using var http = _server.CreateHttpClient();
        _tables.Mode = FaultMode.Refuse;

        using var response = await http.SendAsync(McpRequests.Post("/mcp", McpRequests.Initialize));
        var body = await response.Content.ReadAsStringAsync();

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable), body);
        Assert.That(response.Headers.RetryAfter?.Delta, Is.EqualTo(TimeSpan.FromSeconds(5)));
        using var json = JsonDocument.Parse(body);
        Assert.That(json.RootElement.GetProperty("jsonrpc").GetString(), Is.EqualTo("2.0"));
        Assert.That(json.RootElement.GetProperty("error").GetProperty("message").GetString(), Does.Contain("temporarily unavailable"));
        ResponseBody.AssertRevealsNoInternals(body);

        _tables.Mode = FaultMode.Pass;
        await using var client = await Clients.StreamableAsync(_server);
        Assert.That(client.SessionId, Is.Not.Null, "sessions start again once storage is back");
    }

    [Test]
    public async Task An_existing_session_survives_an_outage_and_works_again_after_it()
    {
        await using var client = await Clients.StreamableAsync(_server);
        await client.CallToolAsync("session_set", new Dictionary<string, object?> { ["key"] = "k", ["value"] = "kept" });

        _tables.Mode = FaultMode.Refuse;
        _blobs.Mode = FaultMode.Refuse;
        await Task.Delay(TimeSpan.FromMilliseconds(500)); // past Mcp:SessionCacheTtl: the instance must ask storage
        var duringOutage = await Record(() => client.CallToolAsync("calculator_add", new Dictionary<string, object?> { ["a"] = 1, ["b"] = 2 }));
        _tables.Mode = FaultMode.Pass;
        _blobs.Mode = FaultMode.Pass;
        var kept = await client.CallToolAsync("session_get", new Dictionary<string, object?> { ["key"] = "k" });

        Assert.That(duringOutage, Is.EqualTo("ok"), "a tool that needs no storage is served from the instance's copy of the session");
        Assert.That(kept.IsError, Is.Not.True, kept.Text());
        Assert.That(kept.Text(), Does.Contain("kept"));
    }

    [Test]
    public async Task An_existing_session_is_served_while_storage_hangs()
    {
        await using var client = await Clients.StreamableAsync(_server);
        await client.CallToolAsync("calculator_add", new Dictionary<string, object?> { ["a"] = 1, ["b"] = 1 });

        _tables.Mode = FaultMode.BlackHole;
        await Task.Delay(TimeSpan.FromMilliseconds(500));
        var clock = Stopwatch.StartNew();
        var during = await Record(() => client.CallToolAsync("calculator_add", new Dictionary<string, object?> { ["a"] = 1, ["b"] = 2 }));
        TestContext.Out.WriteLine($"answered in {clock.ElapsedMilliseconds} ms with storage hanging");
        _tables.Mode = FaultMode.Pass;

        Assert.That(during, Is.EqualTo("ok"), "routed from the instance's copy once the bounded storage call gives up");
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(15)));
    }

    [Test]
    public async Task Healthz_answers_503_quickly_when_storage_hangs()
    {
        using var http = _server.CreateHttpClient();
        http.Timeout = TimeSpan.FromSeconds(30);
        _tables.Mode = FaultMode.BlackHole;
        _blobs.Mode = FaultMode.BlackHole;

        var clock = Stopwatch.StartNew();
        using var response = await http.GetAsync("/healthz");
        clock.Stop();
        TestContext.Out.WriteLine($"/healthz with storage black-holed answered in {clock.ElapsedMilliseconds} ms");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(10)), "a hang guard; the check itself stops at 1.5 s");
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var data = json.RootElement.GetProperty("checks").GetProperty("storage").GetProperty("data");
        Assert.That(data.GetProperty("tables").GetString(), Is.EqualTo("unreachable"));
        Assert.That(data.GetProperty("blobs").GetString(), Is.EqualTo("unreachable"));
    }

    [Test]
    public async Task Tables_and_containers_deleted_under_a_running_app_are_recreated_on_next_use()
    {
        await using var client = await Clients.StatelessAsync(_server);
        await client.CallToolAsync("notes_add", new Dictionary<string, object?> { ["title"] = "first", ["body"] = "x" });
        await client.CallToolAsync("files_write", new Dictionary<string, object?> { ["name"] = "a.txt", ["content"] = "hello" });
        var tables = new TableServiceClient(TestRun.Azurite.ConnectionString);
        await tables.DeleteTableAsync(_prefix + "notes");
        await new BlobServiceClient(TestRun.Azurite.ConnectionString).GetBlobContainerClient(_files).DeleteIfExistsAsync();

        var note = await client.CallToolAsync("notes_add", new Dictionary<string, object?> { ["title"] = "second", ["body"] = "x" });
        var file = await client.CallToolAsync("files_write", new Dictionary<string, object?> { ["name"] = "b.txt", ["content"] = "again" });

        Assert.That(note.IsError, Is.Not.True, note.Text());
        Assert.That(file.IsError, Is.Not.True, file.Text());
        Assert.That(await TitlesAsync(), Is.EqualTo(new[] { "second" }));
    }

    [Test]
    public async Task Healthz_names_a_missing_table_recreates_it_and_is_healthy_after()
    {
        using var http = _server.CreateHttpClient();
        using (await http.GetAsync("/healthz"))
        {
        }

        await new TableServiceClient(TestRun.Azurite.ConnectionString).DeleteTableAsync(_prefix + "sessions");
        using var degraded = await http.GetAsync("/healthz");
        using var healthy = await http.GetAsync("/healthz");

        Assert.That(degraded.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        using var report = JsonDocument.Parse(await degraded.Content.ReadAsStringAsync());
        Assert.That(report.RootElement.GetProperty("status").GetString(), Is.EqualTo("Degraded"));
        var recreated = report.RootElement.GetProperty("checks").GetProperty("storage").GetProperty("data").GetProperty("recreated");
        Assert.That(recreated.EnumerateArray().Select(e => e.GetString()), Is.EqualTo(new[] { _prefix + "sessions" }));
        using var after = JsonDocument.Parse(await healthy.Content.ReadAsStringAsync());
        Assert.That(after.RootElement.GetProperty("status").GetString(), Is.EqualTo("Healthy"));
    }

    private Task<string[]> TitlesAsync() =>
        NoteLoad.TitlesAsync(new TableServiceClient(TestRun.Azurite.ConnectionString).GetTableClient(_prefix + "notes"));

    /// <summary>What a call during an outage came to: its result text, or the HTTP failure the client saw.</summary>
    private static async Task<string> Record(Func<ValueTask<ModelContextProtocol.Protocol.CallToolResult>> call)
    {
        try
        {
            var result = await call();
            return result.IsError == true ? "tool error: " + result.Text() : "ok";
        }
        catch (Exception e)
        {
            return e.Message;
        }
    }
}
