using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Data.Tables;
using DurableTask.Core;
using McpFunctions.Tasks;
using McpFunctions.Tests.Fixtures;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace McpFunctions.Tests.Tasks;

/// <summary>
/// Tasks end to end on one app with the task hub on (Azurite): creation, progress, cancellation reaching the tool,
/// input requests answered with tasks/update, another user's view, the per-user limit, and the TTL purge.
/// </summary>
[NonParallelizable]
public sealed class TaskTests
{
    private LoopbackServer _server = null!;
    private string _prefix = null!;

    [OneTimeSetUp]
    public void Start()
    {
        _prefix = "tasks" + Guid.NewGuid().ToString("N")[..8];
        _server = new LoopbackServer(TestRun.Azurite.ConnectionString, new Dictionary<string, string?>
        {
            ["Mcp:ConformanceFixtures"] = "true",
            ["Storage:TablePrefix"] = _prefix,
            ["Tasks:Enabled"] = "true",
            ["Tasks:HubName"] = "tt" + Guid.NewGuid().ToString("N")[..12],
            ["Tasks:CheckInterval"] = "00:00:00.200",
            ["Tasks:MaxTasksPerPrincipal"] = "3",
            ["Tasks:SweepInterval"] = "1.00:00:00",
        }).Start();
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        foreach (var entry in _server.Errors.Entries)
        {
            TestContext.Out.WriteLine(entry);
        }

        await _server.DisposeAsync();
    }

    private TaskClient Client(string user = "task-owner", bool declare = true) => new(_server.Url("/mcp"), user, declare);

    [Test]
    public async Task A_task_is_found_at_once_reports_progress_and_completes_with_the_tools_result()
    {
        using var client = Client();
        var created = (await client.CallToolAsync("slow_compute", new { seconds = 2, label = "progress" })).Result();
        var id = created.GetProperty("taskId").GetString()!;
        var first = (await client.GetAsync(id)).Result();
        var progress = await client.WaitAsync(id, t => t.TryGetProperty("statusMessage", out _), TimeSpan.FromSeconds(10));
        var done = await client.WaitTerminalAsync(id, TimeSpan.FromSeconds(20));

        Assert.That(created.GetProperty("resultType").GetString(), Is.EqualTo("task"));
        Assert.That(id, Has.Length.EqualTo(22), "128 random bits, base64url");
        Assert.That(first.GetProperty("taskId").GetString(), Is.EqualTo(id));
        Assert.That(progress.GetProperty("statusMessage").GetString(), Does.StartWith("Computing progress"));
        Assert.That(done.Status(), Is.EqualTo("completed"));
        Assert.That(done.GetProperty("result").GetProperty("content")[0].GetProperty("text").GetString(), Is.EqualTo("Computed progress in 2 s."));
        Assert.That(done.TryGetProperty("statusMessage", out _), Is.False, "progress ends with the task");
    }

    [Test]
    public async Task A_2025_11_25_session_that_declares_the_extension_gets_tasks_and_one_that_does_not_gets_todays_behaviour()
    {
        var options = new McpClientOptions
        {
            Capabilities = new ClientCapabilities { Extensions = new Dictionary<string, object> { [TaskClient.Extension] = new JsonObject() } },
        };
        await using var declaring = await Clients.StreamableAsync(_server, options, localDeveloper: "session-user");
        await using var plain = await Clients.StreamableAsync(_server, localDeveloper: "session-user");

        var created = await declaring.SendRequestAsync(new JsonRpcRequest
        {
            Method = "tools/call",
            Params = JsonNode.Parse("""{"name":"slow_compute","arguments":{"seconds":0.5,"label":"session"}}"""),
        });
        var id = created.Result!["taskId"]!.GetValue<string>();
        JsonNode? task;
        var clock = Stopwatch.StartNew();
        do
        {
            await Task.Delay(200);
            task = (await declaring.SendRequestAsync(new JsonRpcRequest { Method = "tasks/get", Params = new JsonObject { ["taskId"] = id } })).Result;
        }
        while (task!["status"]!.GetValue<string>() == "working" && clock.Elapsed < TimeSpan.FromSeconds(20));
        var ordinary = await plain.CallToolAsync("slow_compute", new Dictionary<string, object?> { ["seconds"] = 0, ["label"] = "plain session" });
        var refused = Assert.ThrowsAsync<MissingRequiredClientCapabilityException>(async () =>
            await plain.SendRequestAsync(new JsonRpcRequest { Method = "tasks/get", Params = new JsonObject { ["taskId"] = id } }));

        Assert.That(created.Result["resultType"]!.GetValue<string>(), Is.EqualTo("task"));
        Assert.That(task["status"]!.GetValue<string>(), Is.EqualTo("completed"));
        Assert.That(task["result"]!["content"]![0]!["text"]!.GetValue<string>(), Is.EqualTo("Computed session in 0.5 s."));
        Assert.That(ordinary.IsError, Is.Not.True);
        Assert.That(ordinary.Text(), Is.EqualTo("Computed plain session in 0 s."));
        Assert.That(refused!.ErrorCode, Is.EqualTo(McpErrorCode.MissingRequiredClientCapability));
    }

    [Test]
    public async Task A_client_that_does_not_declare_tasks_gets_an_ordinary_call_or_32021()
    {
        using var client = Client(declare: false);
        var plain = (await client.CallToolAsync("slow_compute", new { seconds = 0, label = "plain" })).Result();
        var required = await client.CallToolAsync("failing_job");
        var get = await client.GetAsync("AAAAAAAAAAAAAAAAAAAAAA");

        Assert.That(plain.TryGetProperty("taskId", out _), Is.False);
        Assert.That(plain.GetProperty("content")[0].GetProperty("text").GetString(), Is.EqualTo("Computed plain in 0 s."));
        Assert.That(required.ErrorCode(), Is.EqualTo(-32021));
        Assert.That(required.GetProperty("error").GetProperty("data").GetProperty("requiredCapabilities").GetProperty("extensions").TryGetProperty(TaskClient.Extension, out _), Is.True);
        Assert.That(get.ErrorCode(), Is.EqualTo(-32021));
    }

    [Test]
    public async Task Cancel_marks_the_task_at_once_and_reaches_the_running_tools_token_within_2_seconds()
    {
        using var client = Client();
        var id = (await client.CallToolAsync("slow_compute", new { seconds = 60, label = "cancel" })).TaskId();
        await client.WaitAsync(id, t => t.TryGetProperty("statusMessage", out _), TimeSpan.FromSeconds(10));

        var clock = Stopwatch.StartNew();
        var ack = (await client.CancelAsync(id)).Result();
        var after = (await client.GetAsync(id)).Result();
        var hub = _server.Services.GetRequiredService<TaskHub>();
        var durable = await hub.ClientAsync(CancellationToken.None);
        OrchestrationState? state;
        do
        {
            // The orchestration completes when its activity returns, which it does once the tool saw the cancel.
            state = await durable.GetOrchestrationStateAsync(id);
            await Task.Delay(50);
        }
        while (state?.OrchestrationStatus != OrchestrationStatus.Completed && clock.Elapsed < TimeSpan.FromSeconds(10));
        TestContext.Out.WriteLine($"the tool stopped and its orchestration completed {clock.ElapsedMilliseconds} ms after tasks/cancel");

        Assert.That(ack.GetProperty("resultType").GetString(), Is.EqualTo("complete"));
        Assert.That(ack.EnumerateObject().Select(p => p.Name).Where(n => n != "_meta"), Is.EquivalentTo(new[] { "resultType" }), "an empty ack");
        Assert.That(after.Status(), Is.EqualTo("cancelled"));
        Assert.That(state?.OrchestrationStatus, Is.EqualTo(OrchestrationStatus.Completed));
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(2.5)), "2 s for the tool, plus the orchestration's own completion");
        Assert.That(JsonSerializer.Deserialize<string>(state!.Output), Is.EqualTo("cancelled"));
    }

    [Test]
    public async Task Input_requests_are_answered_with_tasks_update_one_key_at_a_time_and_the_task_resumes()
    {
        using var client = Client();
        var id = (await client.CallToolAsync("multi_input")).TaskId();
        var asking = await client.WaitAsync(id, t => t.Status() == "input_required", TimeSpan.FromSeconds(10));
        var keys = asking.GetProperty("inputRequests").EnumerateObject().Select(p => p.Name).ToArray();
        var ack = (await client.UpdateAsync(id, new JsonObject { [keys[0]] = Accept("Ada") })).Result();
        var between = (await client.GetAsync(id)).Result();
        await client.UpdateAsync(id, new JsonObject { [keys[1]] = Accept("Grace"), ["no-such-key"] = new JsonObject { ["ignored"] = true } });
        var done = await client.WaitTerminalAsync(id, TimeSpan.FromSeconds(10));

        Assert.That(keys, Has.Length.EqualTo(2));
        Assert.That(asking.GetProperty("inputRequests").GetProperty(keys[0]).GetProperty("method").GetString(), Is.EqualTo("elicitation/create"));
        Assert.That(ack.GetProperty("resultType").GetString(), Is.EqualTo("complete"));
        Assert.That(between.Status(), Is.EqualTo("input_required"));
        Assert.That(between.GetProperty("inputRequests").EnumerateObject().Select(p => p.Name), Is.EqualTo(new[] { keys[1] }), "read-your-write: the answered key is gone at once");
        Assert.That(done.Status(), Is.EqualTo("completed"));
        Assert.That(done.GetProperty("result").GetProperty("content")[0].GetProperty("text").GetString(), Is.EqualTo("Answers: Ada and Grace."));
    }

    [Test]
    public async Task Another_users_task_is_answered_exactly_as_an_unknown_one()
    {
        using var owner = Client("task-owner");
        using var other = Client("someone-else");
        var id = (await owner.CallToolAsync("slow_compute", new { seconds = 60, label = "private" })).TaskId();
        try
        {
            var theirs = await other.GetAsync(id);
            var unknown = await other.GetAsync("BBBBBBBBBBBBBBBBBBBBBB");
            var cancel = await other.CancelAsync(id);
            var update = await other.UpdateAsync(id, new JsonObject());
            var still = (await owner.GetAsync(id)).Result();

            Assert.That(theirs.ErrorCode(), Is.EqualTo(-32602));
            Assert.That(unknown.ErrorCode(), Is.EqualTo(-32602));
            Assert.That(theirs.GetProperty("error").GetProperty("message").GetString()!.Replace(id, "<id>"),
                Is.EqualTo(unknown.GetProperty("error").GetProperty("message").GetString()!.Replace("BBBBBBBBBBBBBBBBBBBBBB", "<id>")));
            Assert.That(cancel.ErrorCode(), Is.EqualTo(-32602));
            Assert.That(update.ErrorCode(), Is.EqualTo(-32602));
            Assert.That(still.Status(), Is.EqualTo("working"), "the other user's cancel did nothing");
        }
        finally
        {
            await owner.CancelAsync(id);
        }
    }

    [Test]
    public async Task A_user_at_the_task_limit_is_refused_with_a_clear_error_and_nothing_stored()
    {
        using var client = Client("limited-user");
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add((await client.CallToolAsync("slow_compute", new { seconds = 60, label = $"limit {i}" })).TaskId());
        }

        var refused = await client.CallToolAsync("slow_compute", new { seconds = 60, label = "one too many" });
        foreach (var id in ids)
        {
            await client.CancelAsync(id);
        }

        Assert.That(refused.ErrorCode(), Is.EqualTo(-32600));
        Assert.That(refused.GetProperty("error").GetProperty("message").GetString(), Does.Contain("3 tasks"));
        Assert.That(await RowsAsync("limited-user"), Is.EqualTo(3));
    }

    [Test]
    public async Task An_expired_task_is_unknown_at_once_and_the_sweep_purges_it_from_the_hub_and_the_table()
    {
        using var client = Client("short-lived");
        var meta = new JsonObject { [TaskClient.Extension] = new JsonObject { ["ttlMs"] = 1500 } };
        var created = (await client.CallToolAsync("slow_compute", new { seconds = 0.2, label = "ttl" }, meta)).Result();
        var id = created.GetProperty("taskId").GetString()!;
        await client.WaitTerminalAsync(id, TimeSpan.FromSeconds(10));
        await Task.Delay(TimeSpan.FromSeconds(1.6));
        var expired = await client.GetAsync(id);
        var durable = await _server.Services.GetRequiredService<TaskHub>().ClientAsync(CancellationToken.None);
        var before = await durable.GetOrchestrationStateAsync(id);

        var purged = await _server.Services.GetRequiredService<TaskSweeper>().SweepOnceAsync(CancellationToken.None);

        Assert.That(created.GetProperty("ttlMs").GetInt64(), Is.EqualTo(1500));
        Assert.That(expired.ErrorCode(), Is.EqualTo(-32602));
        Assert.That(before, Is.Not.Null, "the orchestration was there before the sweep");
        Assert.That(purged, Is.GreaterThanOrEqualTo(1));
        Assert.That(await durable.GetOrchestrationStateAsync(id), Is.Null, "purged from the task hub");
        Assert.That(await RowsAsync("short-lived"), Is.Zero, "and from the task table");
    }

    [Test]
    public async Task A_run_of_a_tool_that_is_not_rerunnable_after_its_instance_died_fails_with_a_clear_message()
    {
        // As the second delivery of a task whose first instance died: the row says a run started on an instance that
        // no longer heartbeats. A re-runnable tool would start again; this one must not run twice.
        var store = _server.Services.GetRequiredService<TaskStore>();
        var partition = McpFunctions.Storage.StorageKey.Encode("local-dev.not-rerunnable");
        var row = new TaskRow
        {
            Partition = partition,
            Id = "CCCCCCCCCCCCCCCCCCCCCC",
            Tool = "notes_import",
            Arguments = "{}",
            OwnerClaims = "{}",
            CreatedAt = DateTimeOffset.UtcNow,
            LastUpdatedAt = DateTimeOffset.UtcNow,
            ExpiresAt = DateTimeOffset.UtcNow.AddMinutes(5),
            TtlMs = 300_000,
            PollIntervalMs = 1000,
            Attempt = 1,
            RunningOn = "an-instance-that-died",
            Rerunnable = false,
        };
        Assert.That(await store.CreateAsync(row, 10, CancellationToken.None), Is.True);

        var status = await _server.Services.GetRequiredService<TaskRunner>().RunAsync(new TaskRef(partition, row.Id), CancellationToken.None);
        var after = await store.FindAsync(partition, row.Id, CancellationToken.None);

        Assert.That(status, Is.EqualTo("failed"));
        Assert.That(after!.Error, Does.Contain("stopped before the tool finished"));
        Assert.That(after.Attempt, Is.EqualTo(1), "the tool did not run again");
    }

    [Test]
    public async Task Notes_import_and_notes_export_run_as_tasks_and_a_task_made_import_has_its_own_idempotency_key()
    {
        using var client = Client("importer");
        var file = """[{"title":"one","body":"a","tags":["t"]},{"title":"two","body":"b"},{"title":"three","body":"c"}]""";
        (await client.CallToolAsync("files_write", new { name = "in.json", content = file })).Result();

        var import = (await client.CallToolAsync("notes_import", new { fileName = "in.json" })).TaskId();
        var imported = await client.WaitTerminalAsync(import, TimeSpan.FromSeconds(20));
        var export = (await client.CallToolAsync("notes_export", new { fileName = "out.json" })).TaskId();
        var exported = await client.WaitTerminalAsync(export, TimeSpan.FromSeconds(20));
        var read = (await client.CallToolAsync("files_read", new { name = "out.json" })).Result();

        Assert.That(imported.Status(), Is.EqualTo("completed"), imported.ToString());
        Assert.That(imported.GetProperty("result").GetProperty("structuredContent").GetProperty("imported").GetInt32(), Is.EqualTo(3));
        Assert.That(exported.Status(), Is.EqualTo("completed"), exported.ToString());
        Assert.That(exported.GetProperty("result").GetProperty("structuredContent").GetProperty("notes").GetInt32(), Is.EqualTo(3));
        Assert.That(read.ToString(), Does.Contain("one").And.Contain("two").And.Contain("three"));
        var table = new TableServiceClient(TestRun.Azurite.ConnectionString).GetTableClient(_prefix + "tasks");
        var row = await table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"RowKey eq {import}")).SingleAsync();
        Assert.That(row.GetString("Arguments"), Does.Contain($"\"idempotencyKey\":\"task-{import}\""), "so a run after a crash adds only what is missing");
        Assert.That(row.GetBoolean("Rerunnable"), Is.True);
    }

    private static JsonObject Accept(string name) => new()
    {
        ["action"] = "accept",
        ["content"] = new JsonObject { ["name"] = name, ["confirm"] = true },
    };

    private async Task<int> RowsAsync(string user)
    {
        var rows = 0;
        var table = new TableServiceClient(TestRun.Azurite.ConnectionString).GetTableClient(_prefix + "tasks");
        await foreach (var row in table.QueryAsync<TableEntity>(select: ["PartitionKey"]))
        {
            rows += McpFunctions.Storage.StorageKey.Decode(row.PartitionKey).EndsWith(user, StringComparison.Ordinal) ? 1 : 0;
        }

        return rows;
    }
}
