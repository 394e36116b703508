using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using McpFunctions.Features.Files;
using McpFunctions.Features.Notes;
using McpFunctions.Tests.Features.Files;
using McpFunctions.Tests.Fixtures;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace McpFunctions.Tests.Features.Notes;

public sealed class NoteImportTests
{
    [TestCase(ClientTransport.Session)]
    [TestCase(ClientTransport.Stateless)]
    [TestCase(ClientTransport.LegacySse)]
    public async Task Importing_a_text_file_reports_progress_once_per_note(ClientTransport transport)
    {
        await using var client = await transport.ConnectAsync();
        var marker = Marker();
        var text = new StringBuilder();
        for (var i = 1; i <= 40; i++)
        {
            text.Append(i == 1 ? "" : "---\n").Append($"# {marker} entry {i}\ntags: Import, batch-{i % 3}\nLine one of {i}\nLine two\n");
        }

        var fileName = $"{marker} import.md";
        (await FilesToolsTests.WriteAsync(client, fileName, text.ToString())).Read<FileInfoResult>();
        await using var progress = ProgressRecorder.Listen(client);

        var result = (await progress.CallAsync("notes_import", fileName)).Read<ImportResult>();

        Assert.That(result.Imported, Is.EqualTo(40));
        Assert.That(result.NoteIds, Has.Count.EqualTo(40).And.Unique);
        AssertOneNotificationPerNote(await progress.WaitForAsync(40), 40, $"{marker} entry");

        var stored = await StorageProbe.NotesTitledAsync(marker);
        Assert.That(stored.Select(r => r.RowKey), Is.EquivalentTo(result.NoteIds));
        var fifth = stored.Single(r => r.GetString("Title") == $"{marker} entry 5");
        Assert.That((fifth.GetString("Body"), fifth.GetString("Tags")), Is.EqualTo(("Line one of 5\nLine two", "import,batch-2")), "the 'tags:' line becomes tags, the rest the body");
    }

    [Test]
    public async Task Importing_a_json_array_creates_every_note_with_its_tags()
    {
        await using var client = await Clients.StreamableAsync(TestRun.Server);
        var marker = Marker();
        var entries = Enumerable.Range(1, 40).Select(i => new { title = $"{marker} json {i}", body = $"Body {i}", tags = new[] { "json", $"n{i}" } });
        var fileName = $"{marker}.json";
        (await FilesToolsTests.WriteAsync(client, fileName, "\n  " + JsonSerializer.Serialize(entries))).Read<FileInfoResult>();
        await using var progress = ProgressRecorder.Listen(client);

        var result = (await progress.CallAsync("notes_import", fileName)).Read<ImportResult>();

        Assert.That(result.Imported, Is.EqualTo(40));
        AssertOneNotificationPerNote(await progress.WaitForAsync(40), 40, $"{marker} json");
        var stored = await StorageProbe.NotesTitledAsync(marker);
        Assert.That(stored, Has.Count.EqualTo(40));
        var seventeenth = stored.Single(r => r.GetString("Title") == $"{marker} json 17");
        Assert.That((seventeenth.GetString("Body"), seventeenth.GetString("Tags")), Is.EqualTo(("Body 17", "json,n17")));
    }

    [Test]
    public async Task The_sdk_progress_parameter_receives_the_imports_progress()
    {
        await using var client = await Clients.StreamableAsync(TestRun.Server);
        var marker = Marker();
        var fileName = $"{marker}.txt";
        (await FilesToolsTests.WriteAsync(client, fileName, string.Join("\n---\n", Enumerable.Range(1, 10).Select(i => $"{marker} {i}")))).Read<FileInfoResult>();
        var reported = new ConcurrentBag<ProgressNotificationValue>();

        var result = await client.CallToolAsync("notes_import", new Dictionary<string, object?> { ["fileName"] = fileName }, new Reporter(reported.Add));

        Assert.That(result.Read<ImportResult>().Imported, Is.EqualTo(10));
        // The SDK drops its handler when the result arrives and dispatches notifications concurrently, so the
        // last one or two may miss this IProgress; the exact count is asserted through ProgressRecorder above.
        Assert.That(reported.Select(p => p.Progress), Is.Unique.And.Not.Empty.And.All.InRange(1f, 10f));
        Assert.That(reported.Select(p => p.Total), Has.All.EqualTo(10f));
    }

    [TestCase("text")]
    [TestCase("json")]
    public async Task One_invalid_entry_fails_the_import_and_imports_nothing(string format)
    {
        await using var client = await Clients.StreamableAsync(TestRun.Server);
        var marker = Marker();
        var titles = Enumerable.Range(1, 5).Select(i => $"{marker} entry {i}").ToArray();
        var content = format == "json"
            ? JsonSerializer.Serialize(titles.Select((t, i) => new { title = t, tags = i == 2 ? new[] { "not valid!" } : new[] { "ok" } }))
            : string.Join("\n---\n", titles.Select((t, i) => i == 2 ? $"{t}\ntags: not valid!" : $"{t}\nbody"));
        var fileName = $"{marker}.txt";
        (await FilesToolsTests.WriteAsync(client, fileName, content)).Read<FileInfoResult>();
        await using var progress = ProgressRecorder.Listen(client);

        var result = await progress.CallAsync("notes_import", fileName);

        Assert.That(result.IsError, Is.True);
        Assert.That(result.Text(), Does.Contain("Entry 3 cannot be imported, so nothing was imported").And.Contain("Tag 'not valid!' is not valid"));
        Assert.That(await StorageProbe.NotesTitledAsync(marker), Is.Empty);
        await Task.Delay(100);
        Assert.That(progress.Updates, Is.Empty, "validation happens before any note is stored");
    }

    [TestCase("", "contains no notes")]
    [TestCase("[{\"title\": 1", "is not valid JSON")]
    [TestCase("[1, 2]", "Entry 1 is not a JSON object")]
    public async Task An_unusable_file_is_a_tool_error(string content, string reason)
    {
        await using var client = await Clients.StatelessAsync(TestRun.Server);
        var fileName = $"{Marker()}.txt";
        (await FilesToolsTests.WriteAsync(client, fileName, content)).Read<FileInfoResult>();

        var result = await client.CallToolAsync("notes_import", new Dictionary<string, object?> { ["fileName"] = fileName });

        Assert.That(result.IsError, Is.True);
        Assert.That(result.Text(), Does.Contain(reason));
    }

    [Test]
    public async Task Importing_a_missing_file_is_a_tool_error()
    {
        await using var client = await Clients.StatelessAsync(TestRun.Server);

        var result = await client.CallToolAsync("notes_import", new Dictionary<string, object?> { ["fileName"] = $"{Marker()}.txt" });

        Assert.That(result.IsError, Is.True);
        Assert.That(result.Text(), Does.Contain("There is no file named").And.Contain("files_write"));
    }

    [TestCase(ClientTransport.Session)]
    [TestCase(ClientTransport.Stateless)]
    [TestCase(ClientTransport.LegacySse)]
    public async Task Cancelling_an_import_stops_it_and_keeps_the_server_healthy(ClientTransport transport)
    {
        const int Entries = 400;
        await using var client = await transport.ConnectAsync();
        var marker = Marker();
        var fileName = $"{marker} big.txt";
        var content = string.Join("\n---\n", Enumerable.Range(1, Entries).Select(i => $"{marker} bulk {i}\nbody {i}"));
        (await FilesToolsTests.WriteAsync(client, fileName, content)).Read<FileInfoResult>();

        var requestId = new RequestId(Random.Shared.NextInt64(1_000_000, long.MaxValue));
        using var cancel = new CancellationTokenSource();
        var firstProgress = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var registration = client.RegisterNotificationHandler(NotificationMethods.ProgressNotification, (_, _) =>
        {
            firstProgress.TrySetResult();
            return ValueTask.CompletedTask;
        });

        var clock = Stopwatch.StartNew();
        var call = client.SendRequestAsync(
            new JsonRpcRequest
            {
                Id = requestId,
                Method = RequestMethods.ToolsCall,
                Params = JsonSerializer.SerializeToNode(new CallToolRequestParams
                {
                    Name = "notes_import",
                    Arguments = new Dictionary<string, JsonElement> { ["fileName"] = JsonSerializer.SerializeToElement(fileName) },
                    Meta = new JsonObject { ["progressToken"] = Guid.NewGuid().ToString("N") },
                }, McpJsonUtilities.DefaultOptions),
            },
            cancel.Token);
        await firstProgress.Task.WaitAsync(TimeSpan.FromSeconds(10));
        cancel.Cancel();
        if (transport != ClientTransport.Stateless)
        {
            // A session is not cancelled by a dropped connection (the spec says so), only by notifications/cancelled.
            // SDK 2.3.1 never sends it: its cancellation callback is unregistered by the cancelled wait before it
            // runs. So the test sends what the client should have sent. Stateless requests end with their POST.
            await client.SendMessageAsync(new JsonRpcNotification
            {
                Method = NotificationMethods.CancelledNotification,
                Params = JsonSerializer.SerializeToNode(new CancelledNotificationParams { RequestId = requestId, Reason = "test cancelled the import" }, McpJsonUtilities.DefaultOptions),
            });
        }

        Exception? thrown = null;
        try
        {
            await call.WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (Exception e)
        {
            thrown = e;
        }

        Assert.That(thrown, Is.InstanceOf<OperationCanceledException>(), $"the call ends as cancelled, not with {thrown}");
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(10)), "the cancelled call returns promptly");

        var health = await client.CallToolAsync("calculator_add", new Dictionary<string, object?> { ["a"] = 20, ["b"] = 22 });
        Assert.That(health.Text(), Is.EqualTo("42"), "the same client still gets answers");

        // Give a runaway import time to show itself, then check the count no longer moves.
        await Task.Delay(300);
        var afterCancel = (await StorageProbe.NotesTitledAsync(marker)).Count;
        await Task.Delay(1500);
        var later = (await StorageProbe.NotesTitledAsync(marker)).Count;
        Assert.That(later, Is.EqualTo(afterCancel), "no notes are added after cancellation");
        Assert.That(afterCancel, Is.GreaterThan(0).And.LessThan(Entries), "the import stopped part-way; notes imported so far are kept");
    }

    private static void AssertOneNotificationPerNote(IReadOnlyList<ProgressNotificationValue> updates, int total, string titlePrefix)
    {
        // The SDK client hands each notification to the thread pool, so neighbours can be observed swapped;
        // what the server promises is one notification per note, counting up to the total.
        var byProgress = updates.OrderBy(u => u.Progress).ToList();
        Assert.That(byProgress.Select(u => u.Progress), Is.EqualTo(Enumerable.Range(1, total).Select(i => (float)i)), "one notification per note");
        Assert.That(byProgress.Select(u => u.Total), Has.All.EqualTo((float)total));
        for (var i = 1; i <= total; i++)
        {
            Assert.That(byProgress[i - 1].Message, Does.StartWith($"Imported {i} of {total}: {titlePrefix} {i}"), "progress k reports the k-th entry");
        }
    }

    private static string Marker() => "i" + Guid.NewGuid().ToString("N")[..20];

    /// <summary>An <see cref="IProgress{T}"/> that calls back directly, without <see cref="Progress{T}"/>'s posting.</summary>
    private sealed class Reporter(Action<ProgressNotificationValue> report) : IProgress<ProgressNotificationValue>
    {
        public void Report(ProgressNotificationValue value) => report(value);
    }

    /// <summary>
    /// Collects progress notifications for one progress token through a handler that outlives the call.
    /// </summary>
    /// <remarks>
    /// The SDK's IProgress overload unregisters its handler as soon as the result arrives, while notifications are
    /// dispatched concurrently; the final notification, sent before the result, can then be dropped on the client.
    /// </remarks>
    private sealed class ProgressRecorder : IAsyncDisposable
    {
        private readonly ConcurrentQueue<ProgressNotificationValue> _updates = new();
        private readonly string _token = Guid.NewGuid().ToString("N");
        private McpClient _client = null!;
        private IAsyncDisposable _registration = null!;

        public IReadOnlyList<ProgressNotificationValue> Updates => _updates.ToArray();

        public static ProgressRecorder Listen(McpClient client)
        {
            var recorder = new ProgressRecorder { _client = client };
            recorder._registration = client.RegisterNotificationHandler(NotificationMethods.ProgressNotification, (notification, _) =>
            {
                var parameters = notification.Params.Deserialize<ProgressNotificationParams>(McpJsonUtilities.DefaultOptions);
                if (parameters?.ProgressToken.ToString() == recorder._token)
                {
                    recorder._updates.Enqueue(parameters.Progress);
                }

                return ValueTask.CompletedTask;
            });
            return recorder;
        }

        public ValueTask<CallToolResult> CallAsync(string tool, string fileName) =>
            _client.CallToolAsync(new CallToolRequestParams
            {
                Name = tool,
                Arguments = new Dictionary<string, JsonElement> { ["fileName"] = JsonSerializer.SerializeToElement(fileName) },
                Meta = new JsonObject { ["progressToken"] = _token },
            });

        public async Task<IReadOnlyList<ProgressNotificationValue>> WaitForAsync(int count)
        {
            var deadline = DateTime.UtcNow.AddSeconds(5);
            while (_updates.Count < count && DateTime.UtcNow < deadline)
            {
                await Task.Delay(20);
            }

            return Updates;
        }

        public ValueTask DisposeAsync() => _registration.DisposeAsync();
    }
}
