using System.Diagnostics;
using System.Net;
using Azure.Data.Tables;
using McpFunctions.Tests.Fixtures;

namespace McpFunctions.Tests.Tasks;

/// <summary>
/// Tasks where the serverless platform bites: the instance running a task is killed, and a front end cuts every
/// request that takes longer than it allows.
/// </summary>
[NonParallelizable]
public sealed class TaskClusterTests
{
    [Test]
    public async Task A_task_whose_instance_is_killed_is_finished_by_another_instance()
    {
        var (cluster, table) = await StartClusterAsync(("Tasks__RecoveryTimeout", "00:00:20"));
        await using var _ = cluster;
        var instances = await cluster.InstancesByIdAsync();
        using var client = new TaskClient(new Uri(cluster.Proxy.BaseAddress, "/mcp"));
        var id = (await client.CallToolAsync("slow_compute", new { seconds = 6, label = "survivor" })).TaskId();
        var runningOn = await RunningOnAsync(table, id);

        var clock = Stopwatch.StartNew();
        await instances[runningOn].KillAsync();
        var done = await client.WaitTerminalAsync(id, TimeSpan.FromSeconds(90));
        TestContext.Out.WriteLine($"completed {clock.Elapsed.TotalSeconds:0.0} s after the kill");
        var row = await RowAsync(table, id);

        Assert.That(done.Status(), Is.EqualTo("completed"));
        Assert.That(done.GetProperty("result").GetProperty("content")[0].GetProperty("text").GetString(), Is.EqualTo("Computed survivor in 6 s."));
        Assert.That(row.GetInt32("Attempt"), Is.EqualTo(2), "run again from the start on the other instance");
    }

    [Test]
    public async Task A_cancel_sent_to_another_instance_stops_the_tool_within_2_seconds()
    {
        var (cluster, table) = await StartClusterAsync();
        await using var _ = cluster;
        var instances = await cluster.InstancesByIdAsync();
        using var creator = new TaskClient(new Uri(cluster.Proxy.BaseAddress, "/mcp"));
        var id = (await creator.CallToolAsync("slow_compute", new { seconds = 60, label = "cancel elsewhere" })).TaskId();
        var runningOn = await RunningOnAsync(table, id);
        var other = instances.Single(i => i.Key != runningOn).Value;
        using var canceller = new TaskClient(new Uri(other.BaseAddress, "/mcp"));

        var clock = Stopwatch.StartNew();
        (await canceller.CancelAsync(id)).Result();
        // The runner clears RunningOn once the tool has returned, which it does when its token fires.
        while ((await RowAsync(table, id)).GetString("RunningOn") is not null && clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(25);
        }

        TestContext.Out.WriteLine($"the tool on instance {runningOn} stopped {clock.ElapsedMilliseconds} ms after tasks/cancel reached the other instance");
        Assert.That((await RowAsync(table, id)).GetString("RunningOn"), Is.Null);
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(2)));
        Assert.That((await creator.GetAsync(id)).Result().Status(), Is.EqualTo("cancelled"));
    }

    [Test]
    public async Task A_tool_longer_than_the_front_end_allows_completes_as_a_task_with_every_request_short()
    {
        await using var server = new LoopbackServer(TestRun.Azurite.ConnectionString, new Dictionary<string, string?>
        {
            ["Mcp:ConformanceFixtures"] = "true",
            ["Tasks:Enabled"] = "true",
            ["Tasks:HubName"] = "tf" + Guid.NewGuid().ToString("N")[..12],
        }).Start();
        // The front end cuts a request once the app has sent nothing for 10 s, as Azure's does at about 230 s.
        await using var front = await Nginx.StartAsync([server.BaseAddress.Port], readTimeout: TimeSpan.FromSeconds(10));
        var endpoint = new Uri(front.BaseAddress, "/mcp");
        using var tasks = new TaskClient(endpoint);
        using var plain = new TaskClient(endpoint, declareTasks: false);

        var clock = Stopwatch.StartNew();
        var direct = CallDirectlyAsync(endpoint);
        var id = (await tasks.CallToolAsync("slow_compute", new { seconds = 30, label = "long" })).TaskId();
        var done = await tasks.WaitTerminalAsync(id, TimeSpan.FromSeconds(60));
        var cut = await direct;
        TestContext.Out.WriteLine($"task completed after {clock.Elapsed.TotalSeconds:0.0} s in {tasks.Durations.Count} requests, the longest {tasks.Durations.Max().TotalMilliseconds:0} ms");

        Assert.That(cut, Is.EqualTo(HttpStatusCode.GatewayTimeout), "the same tool as an ordinary call is cut by the front end");
        Assert.That(done.Status(), Is.EqualTo("completed"));
        Assert.That(clock.Elapsed, Is.GreaterThan(TimeSpan.FromSeconds(30)));
        Assert.That(tasks.Durations.Max(), Is.LessThan(TimeSpan.FromSeconds(5)), "every request of the task is short");
    }

    /// <summary>The tool as an ordinary call (a client without tasks), through the front end: what status it ends with.</summary>
    private static async Task<HttpStatusCode> CallDirectlyAsync(Uri endpoint)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        using var request = McpRequests.Post(endpoint.ToString(),
            """{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"slow_compute","arguments":{"seconds":30,"label":"direct"},"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientInfo":{"name":"t","version":"1"},"io.modelcontextprotocol/clientCapabilities":{}}}}""");
        request.Headers.Add("MCP-Protocol-Version", "2026-07-28");
        request.Headers.Add("Mcp-Method", "tools/call");
        request.Headers.Add("Mcp-Name", "slow_compute");
        using var response = await http.SendAsync(request);
        return response.StatusCode;
    }

    /// <summary>Two instances behind nginx with tasks and the fixtures on, their own task hub and tables; and their task table.</summary>
    private static async Task<(AppCluster Cluster, TableClient Tasks)> StartClusterAsync(params (string Key, string Value)[] settings)
    {
        var prefix = "tcl" + Guid.NewGuid().ToString("N")[..8];
        var merged = new Dictionary<string, string?>
        {
            ["Mcp__ConformanceFixtures"] = "true",
            ["Storage__TablePrefix"] = prefix,
            ["Tasks__Enabled"] = "true",
            ["Tasks__HubName"] = "tcl" + Guid.NewGuid().ToString("N")[..12],
        };
        foreach (var (key, value) in settings)
        {
            merged[key] = value;
        }

        var cluster = await AppCluster.StartAsync(2, merged);
        return (cluster, new TableServiceClient(TestRun.Azurite.ConnectionString).GetTableClient(prefix + "tasks"));
    }

    /// <summary>Which instance's worker took the task: written in its row when the run starts.</summary>
    private static async Task<string> RunningOnAsync(TableClient table, string id)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(20))
        {
            if ((await RowAsync(table, id)).GetString("RunningOn") is { Length: > 0 } instance)
            {
                return instance;
            }

            await Task.Delay(100);
        }

        Assert.Fail("no instance started the task");
        return "";
    }

    /// <summary>The task's row, found by its id alone (the test does not know the owner's partition key).</summary>
    private static async Task<TableEntity> RowAsync(TableClient table, string id)
    {
        await foreach (var row in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"RowKey eq {id}")))
        {
            return row;
        }

        Assert.Fail($"task {id} has no row");
        return null!;
    }
}
