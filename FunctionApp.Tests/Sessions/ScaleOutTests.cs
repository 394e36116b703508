using System.Diagnostics;
using System.Net;
using System.Net.ServerSentEvents;
using System.Text.Json;
using System.Text.Json.Nodes;
using McpFunctions.Tests.Fixtures;
using McpFunctions.Tests.Sessions.Cluster;
using Microsoft.Extensions.Logging.Abstractions;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace McpFunctions.Tests.Sessions;

/// <summary>
/// Three app processes behind nginx round robin with no affinity, sharing one Azurite: sessions, streams,
/// subscriptions and relayed messages must work whichever instance each request reaches.
/// </summary>
[NonParallelizable]
public sealed class ScaleOutTests
{
    private AppCluster _cluster = null!;
    private HttpClient _http = null!;

    private Uri Proxy => _cluster.Proxy.BaseAddress;

    [OneTimeSetUp]
    public async Task StartClusterAsync()
    {
        _cluster = await AppCluster.StartAsync(3);
        _http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
    }

    [OneTimeTearDown]
    public async Task StopClusterAsync()
    {
        _http.Dispose();
        await _cluster.DisposeAsync();
    }

    [Test]
    public async Task A_session_opened_through_the_proxy_makes_50_calls_across_instances_without_error()
    {
        var recorder = new InstanceRecorder();
        await using var client = await ConnectAsync(new Uri(Proxy, "/mcp"), HttpTransportMode.StreamableHttp, recorder, NewIdentity());

        for (var i = 1; i <= 50; i++)
        {
            var result = await client.CallToolAsync("session_increment", new Dictionary<string, object?> { ["key"] = "calls" });
            Assert.That(result.IsError, Is.Not.True, result.Text());
            Assert.That(result.StructuredContent!.Value.GetProperty("value").GetInt64(), Is.EqualTo(i));
        }

        Assert.That(recorder.Seen.Distinct().Count(), Is.EqualTo(3), "round robin spread the session over every instance");
    }

    [Test]
    public async Task A_legacy_SSE_client_makes_50_calls_through_the_proxy()
    {
        var recorder = new InstanceRecorder();
        await using var client = await ConnectAsync(new Uri(Proxy, "/sse"), HttpTransportMode.Sse, recorder, NewIdentity());

        for (var i = 1; i <= 50; i++)
        {
            var result = await client.CallToolAsync("calculator_add", new Dictionary<string, object?> { ["a"] = i, ["b"] = 1 });
            Assert.That(result.Text(), Is.EqualTo((i + 1).ToString()));
        }

        Assert.That(recorder.Seen.Distinct().Count(), Is.GreaterThan(1), "the message posts reached instances that do not hold the stream");
    }

    [Test]
    public async Task Concurrent_updates_to_one_session_from_two_instances_lose_nothing()
    {
        var session = await RawSession.InitializeAsync(_http, _cluster.Instances[0].BaseAddress, NewIdentity());
        var (a, b) = (_cluster.Instances[1].BaseAddress, _cluster.Instances[2].BaseAddress);

        var increments = Enumerable.Range(0, 40).Select(i => session.CallToolAsync(i % 2 == 0 ? a : b, "session_increment", new { key = "counter" }));
        var results = await Task.WhenAll(increments);

        Assert.That(results.Select(r => r.Result.GetProperty("structuredContent").GetProperty("value").GetInt64()), Is.EquivalentTo(Enumerable.Range(1, 40).Select(i => (long)i)),
            "every increment saw a distinct value");
        var (final, _) = await session.CallToolAsync(_cluster.Instances[0].BaseAddress, "session_get", new { key = "counter" });
        Assert.That(final.GetProperty("structuredContent").GetProperty("counter").GetInt64(), Is.EqualTo(40));
    }

    [Test]
    public async Task A_session_presented_by_another_user_is_not_found_on_any_instance()
    {
        var session = await RawSession.InitializeAsync(_http, Proxy, NewIdentity());

        foreach (var instance in _cluster.Instances)
        {
            using var response = await session.SendAsync(instance.BaseAddress, """{"jsonrpc":"2.0","id":7,"method":"tools/list"}""", asUser: NewIdentity());
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound), $"instance {instance.Port}");
            var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            Assert.That(body.GetProperty("error").GetProperty("code").GetInt32(), Is.EqualTo(-32001));
        }

        // The owner still has it.
        var (tools, _) = await ((Func<Task<(JsonElement, string?)>>)(() => session.CallToolAsync(Proxy, "whoami")))();
        Assert.That(tools.GetProperty("structuredContent").GetProperty("sessionId").GetString(), Is.EqualTo(session.SessionId));
    }

    [Test]
    public async Task Deleting_a_session_ends_it_on_every_instance()
    {
        var session = await RawSession.InitializeAsync(_http, _cluster.Instances[0].BaseAddress, NewIdentity());
        foreach (var instance in _cluster.Instances)
        {
            await session.CallToolAsync(instance.BaseAddress, "calculator_add", new { a = 1, b = 1 }); // every instance holds a copy now
        }

        var clock = Stopwatch.StartNew();
        Assert.That(await session.DeleteAsync(_cluster.Instances[1].BaseAddress), Is.EqualTo(HttpStatusCode.OK));

        // The instance that took the DELETE refuses at once; the others drop their cached copy within the session
        // cache lifetime (250 ms) and the relay poll.
        using (var same = await session.SendAsync(_cluster.Instances[1].BaseAddress, """{"jsonrpc":"2.0","id":8,"method":"tools/list"}"""))
        {
            Assert.That(same.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        }

        var ended = new Dictionary<int, double>();
        while (ended.Count < _cluster.Instances.Count && clock.Elapsed < TimeSpan.FromSeconds(2))
        {
            foreach (var instance in _cluster.Instances.Where(i => !ended.ContainsKey(i.Port)))
            {
                try
                {
                    using var response = await session.SendAsync(instance.BaseAddress, """{"jsonrpc":"2.0","id":9,"method":"tools/list"}""");
                    if (response.StatusCode == HttpStatusCode.NotFound)
                    {
                        ended[instance.Port] = clock.Elapsed.TotalMilliseconds;
                    }
                }
                catch (HttpRequestException)
                {
                    // A call in flight when the instance drops its copy of the ended session is cut off (as the SDK
                    // does for a DELETE on its own instance); the next call gets the 404.
                }
            }
        }

        TestContext.Out.WriteLine($"DELETE took effect on every instance after {ended.Values.DefaultIfEmpty().Max():F0} ms");
        Assert.That(ended.Keys, Is.EquivalentTo(_cluster.Instances.Select(i => i.Port)), "every instance answers 404 within 2 s");
    }

    [Test]
    public async Task An_interrupted_stream_resumes_on_another_instance_with_every_missed_event()
    {
        var me = NewIdentity();
        var session = await RawSession.InitializeAsync(_http, _cluster.Instances[0].BaseAddress, me);
        const int Entries = 150;
        var file = string.Join("\n---\n", Enumerable.Range(1, Entries).Select(i => $"Imported {i}\nbody {i}"));
        await session.CallToolAsync(_cluster.Instances[0].BaseAddress, "files_write", new { name = "resume.md", content = file });

        // Start a long call on instance 0, read a few events, then drop the connection. HttpClient would
        // otherwise drain the rest of the response on dispose, and a response that reached the client in full
        // is (by design) not stored: cut the connection instead, as a network failure would.
        using var cutting = new HttpClient(new SocketsHttpHandler { MaxResponseDrainSize = 0 });
        var call = """{"jsonrpc":"2.0","id":4242,"method":"tools/call","params":{"name":"notes_import","arguments":{"fileName":"resume.md"},"_meta":{"progressToken":"p1"}}}""";
        using var cts = new CancellationTokenSource();
        var received = new List<(string? Id, JsonElement Message)>();
        using (var response = await new RawSession(cutting, session.SessionId, me).SendAsync(_cluster.Instances[0].BaseAddress, call, completion: HttpCompletionOption.ResponseHeadersRead))
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            await using var stream = await response.Content.ReadAsStreamAsync();
            await foreach (var item in SseParser.Create(stream).EnumerateAsync())
            {
                if (!string.IsNullOrWhiteSpace(item.Data))
                {
                    received.Add((item.EventId, JsonDocument.Parse(item.Data).RootElement.Clone()));
                }

                if (received.Count >= 5)
                {
                    break; // disposing the response aborts the stream mid-call
                }
            }
        }

        var lastId = received.Last().Id;
        Assert.That(lastId, Is.Not.Null.And.StartsWith("p."));

        // Resume on a different instance.
        using var resume = session.Get(_cluster.Instances[2].BaseAddress, lastId);
        using var resumed = await _http.SendAsync(resume, HttpCompletionOption.ResponseHeadersRead);
        Assert.That(resumed.StatusCode, Is.EqualTo(HttpStatusCode.OK), await ReadIfErrorAsync(resumed));
        var rest = await RawSession.ReadEventsAsync(resumed);

        var all = received.Concat(rest).ToList();
        var progress = all.Where(e => e.Message.TryGetProperty("method", out var m) && m.GetString() == "notifications/progress")
            .Select(e => e.Message.GetProperty("params").GetProperty("progress").GetDouble())
            .ToList();
        Assert.That(progress, Is.EqualTo(Enumerable.Range(1, Entries).Select(i => (double)i)), "no progress event missed or repeated");
        var final = all.Single(e => e.Message.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.Number && id.GetInt32() == 4242);
        Assert.That(final.Message.GetProperty("result").GetProperty("structuredContent").GetProperty("imported").GetInt32(), Is.EqualTo(Entries));
    }

    [Test]
    public async Task Subscriptions_survive_moving_between_instances()
    {
        var me = NewIdentity();
        var updates = new List<string>();
        var options = new McpClientOptions
        {
            Handlers = new McpClientHandlers
            {
                NotificationHandlers =
                [
                    new(NotificationMethods.ResourceUpdatedNotification, (notification, _) =>
                    {
                        lock (updates)
                        {
                            updates.Add(notification.Params!["uri"]!.GetValue<string>());
                        }

                        return ValueTask.CompletedTask;
                    }),
                ],
            },
        };
        await using var subscriber = await ConnectAsync(new Uri(Proxy, "/mcp"), HttpTransportMode.StreamableHttp, new InstanceRecorder(), me, options);
        await subscriber.SubscribeToResourceAsync("files:///watched.txt");

        // Another client of the same user writes the file three times, through each instance in turn.
        var writer = await RawSession.InitializeAsync(_http, Proxy, me);
        foreach (var instance in _cluster.Instances)
        {
            await writer.CallToolAsync(instance.BaseAddress, "files_write", new { name = "watched.txt", content = $"from {instance.Port}" });
        }

        await WaitUntilAsync(() => { lock (updates) { return updates.Count >= 3; } }, TimeSpan.FromSeconds(10));
        Assert.That(updates, Is.EqualTo(Enumerable.Repeat("files:///watched.txt", 3)));
    }

    [Test]
    public async Task The_log_level_set_on_one_instance_filters_logs_on_another()
    {
        var me = NewIdentity();
        var session = await RawSession.InitializeAsync(_http, _cluster.Instances[0].BaseAddress, me);
        await session.CallToolAsync(_cluster.Instances[0].BaseAddress, "files_write", new { name = "two.md", content = "One\n---\nTwo" });

        using (var setLevel = await session.SendAsync(_cluster.Instances[0].BaseAddress, """{"jsonrpc":"2.0","id":50,"method":"logging/setLevel","params":{"level":"warning"}}"""))
        {
            Assert.That(setLevel.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        var quiet = await ImportAndCollectLogsAsync(session, _cluster.Instances[1].BaseAddress, 51);
        Assert.That(quiet, Is.Empty, "info messages are filtered on another instance");

        using (var setLevel = await session.SendAsync(_cluster.Instances[2].BaseAddress, """{"jsonrpc":"2.0","id":52,"method":"logging/setLevel","params":{"level":"debug"}}"""))
        {
            Assert.That(setLevel.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        var chatty = await ImportAndCollectLogsAsync(session, _cluster.Instances[1].BaseAddress, 53);
        Assert.That(chatty, Is.Not.Empty.And.All.Matches<JsonElement>(m => m.GetProperty("params").GetProperty("level").GetString() == "info"));
    }

    [Test]
    public async Task Elicitation_answered_through_another_instance_reaches_the_asking_one()
    {
        var recorder = new InstanceRecorder();
        var asked = 0;
        var options = new McpClientOptions
        {
            Handlers = new McpClientHandlers
            {
                ElicitationHandler = (_, _) =>
                {
                    Interlocked.Increment(ref asked);
                    return ValueTask.FromResult(new ElicitResult
                    {
                        Action = "accept",
                        Content = new Dictionary<string, JsonElement> { ["confirm"] = JsonDocument.Parse("true").RootElement.Clone() },
                    });
                },
            },
        };
        await using var client = await ConnectAsync(new Uri(Proxy, "/mcp"), HttpTransportMode.StreamableHttp, recorder, NewIdentity(), options);

        for (var round = 1; round <= 3; round++)
        {
            await client.CallToolAsync("notes_add", new Dictionary<string, object?> { ["title"] = $"round {round}" });
            var result = await client.CallToolAsync("notes_delete_all");
            Assert.That(result.Text(), Is.EqualTo("Deleted 1 note."), $"round {round}");
        }

        Assert.That(asked, Is.EqualTo(3));
    }

    [Test]
    public async Task Legacy_SSE_messages_posted_to_another_instance_are_relayed_quickly()
    {
        var holder = _cluster.Instances[0].BaseAddress;
        var other = _cluster.Instances[1].BaseAddress;
        await using var probe = await LegacySseProbe.OpenAsync(_http, holder, "relay-probe");

        // The first relayed message on fresh instances also pays for JIT and the first lookups: reported apart.
        var first = await probe.PingAsync(other, 1999);
        var direct = new List<double>();
        var relayed = new List<double>();
        // A pause of 0-60 ms before each relayed post: back-to-back posts would arrive just after the holder's last
        // inbox poll every time and wait a full poll period, which real clients (who pause between messages) do not.
        var pause = new Random(7);
        for (var i = 0; i < 60; i++)
        {
            direct.Add(await probe.PingAsync(holder, 1000 + i));
            await Task.Delay(pause.Next(0, 60));
            relayed.Add(await probe.PingAsync(other, 2000 + i));
        }

        var (d50, d99) = (Percentile(direct, 50), Percentile(direct, 99));
        var (r50, r99) = (Percentile(relayed, 50), Percentile(relayed, 99));
        TestContext.Out.WriteLine($"legacy SSE round trip, direct:  p50 {d50:F1} ms, p99 {d99:F1} ms");
        TestContext.Out.WriteLine($"legacy SSE round trip, relayed: p50 {r50:F1} ms, p99 {r99:F1} ms (relay adds p50 {r50 - d50:F1} ms); the first relayed message {first:F1} ms");
        await File.WriteAllTextAsync(Path.Combine(TestContext.CurrentContext.WorkDirectory, "relay-latency.json"),
            JsonSerializer.Serialize(new { directP50 = d50, directP99 = d99, relayedP50 = r50, relayedP99 = r99, firstRelayed = first, samples = relayed.Count }));
        Assert.That(r99, Is.LessThan(1000), "relayed messages arrive within a second");
    }

    private async Task<List<JsonElement>> ImportAndCollectLogsAsync(RawSession session, Uri instance, int id)
    {
        var call = JsonSerializer.Serialize(new { jsonrpc = "2.0", id, method = "tools/call", @params = new { name = "notes_import", arguments = new { fileName = "two.md" } } });
        using var response = await session.SendAsync(instance, call);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var events = await RawSession.ReadEventsAsync(response);
        Assert.That(events.Any(e => e.Message.TryGetProperty("id", out var replyId) && replyId.GetInt32() == id), "the call completed");
        return events.Where(e => e.Message.TryGetProperty("method", out var m) && m.GetString() == "notifications/message").Select(e => e.Message).ToList();
    }

    private static async Task<McpClient> ConnectAsync(Uri endpoint, HttpTransportMode mode, InstanceRecorder recorder, string localDeveloper, McpClientOptions? options = null)
    {
        var transport = new HttpClientTransport(
            new HttpClientTransportOptions
            {
                Endpoint = endpoint,
                TransportMode = mode,
                AdditionalHeaders = new Dictionary<string, string> { ["X-Local-Developer"] = localDeveloper },
            },
            new HttpClient(recorder),
            NullLoggerFactory.Instance,
            ownsHttpClient: true);
        options ??= new McpClientOptions();
        if (mode == HttpTransportMode.StreamableHttp)
        {
            options.ProtocolVersion = Clients.SessionRevision;
        }

        return await McpClient.CreateAsync(transport, options, NullLoggerFactory.Instance);
    }

    private static string NewIdentity() => "s" + Guid.NewGuid().ToString("N")[..12];

    private static double Percentile(List<double> values, int percentile)
    {
        var sorted = values.OrderBy(v => v).ToArray();
        return sorted[Math.Clamp((int)Math.Ceiling(percentile / 100.0 * sorted.Length) - 1, 0, sorted.Length - 1)];
    }

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }
    }

    private static async Task<string> ReadIfErrorAsync(HttpResponseMessage response) =>
        response.IsSuccessStatusCode ? "" : await response.Content.ReadAsStringAsync();
}
