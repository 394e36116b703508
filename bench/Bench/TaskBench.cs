using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace McpFunctions.Bench;

/// <summary>
/// MCP tasks (<c>--tasks</c>, <c>--long-task M</c>): what the task hub costs idle in storage transactions (counted
/// by a proxy in front of Azurite, with the hub on and off in the same run), how long creating a task and reading it
/// back take next to an ordinary call of the same tool, and a task that outlives the front end's 230 s limit.
/// </summary>
internal static class TaskBench
{
    public static async Task RunAsync(Azurite azurite, HttpClient http, BenchOptions options, Action<string> log)
    {
        var idleWindow = options.Quick ? TimeSpan.FromSeconds(20) : TimeSpan.FromSeconds(60);
        var off = await IdleRequestsAsync(azurite, tasks: false, idleWindow, log);
        var on = await IdleRequestsAsync(azurite, tasks: true, idleWindow, log);
        var perHour = (double requests) => requests * 3600 / idleWindow.TotalSeconds;

        await using var proxies = await Proxies.StartAsync(azurite);
        var port = FreePort.Next();
        var endpoint = new Uri($"http://127.0.0.1:{port}/mcp");
        await using var server = Server(proxies.ConnectionString, tasks: true).Prepare(port, RuntimeVariant.AsPublished)();
        await WaitForToolsAsync(http, endpoint, server);
        var samples = options.Quick ? 10 : 40;
        for (var i = 0; i < 5; i++)
        {
            await OneTaskAsync(http, endpoint);
            await CallAsync(http, endpoint, "tools/call", """{"seconds":0,"label":"warm"}""", declare: false);
        }

        var create = new List<double>();
        var firstGet = new List<double>();
        var completed = new List<double>();
        var ordinary = new List<double>();
        for (var i = 0; i < samples; i++)
        {
            var (c, g, d) = await OneTaskAsync(http, endpoint);
            create.Add(c);
            firstGet.Add(g);
            completed.Add(d);
            var clock = Stopwatch.StartNew();
            await CallAsync(http, endpoint, "tools/call", """{"seconds":0,"label":"plain"}""", declare: false);
            ordinary.Add(clock.Elapsed.TotalMilliseconds);
        }

        var ordinaryMedian = Stats.Median(ordinary);
        Console.WriteLine();
        Console.WriteLine($"Tasks {DateTimeOffset.Now:yyyy-MM-dd HH:mm}: {samples} tasks of slow_compute (0 s), one at a time, on McpFunctions (published, Azurite).");
        Console.WriteLine("| measure | median ms | p95 ms | × an ordinary call of the same tool |");
        Console.WriteLine("|---|---:|---:|---:|");
        Row("ordinary tools/call (no task)", ordinary, ordinaryMedian);
        Row("tools/call answered with a task (row + orchestration stored)", create, ordinaryMedian);
        Row("the first tasks/get", firstGet, ordinaryMedian);
        Row("create to completed visible in tasks/get (10 ms polls)", completed, ordinaryMedian);
        Console.WriteLine();
        Console.WriteLine($"Idle storage requests of one instance over {idleWindow.TotalSeconds:0} s (after 20 s of warm-up), counted at Azurite:");
        Console.WriteLine("| Tasks:Enabled | requests | per hour | per day |");
        Console.WriteLine("|---|---:|---:|---:|");
        Console.WriteLine($"| false | {off} | {perHour(off):N0} | {perHour(off) * 24:N0} |");
        Console.WriteLine($"| true | {on} | {perHour(on):N0} | {perHour(on) * 24:N0} |");
        Console.WriteLine($"The task hub adds {perHour(on - off):N0} requests an hour ({perHour(on - off) * 24:N0} a day) per idle instance.");
    }

    /// <summary>A task of <paramref name="minutes"/> minutes while every request may take at most 230 s, as Azure's front end allows.</summary>
    public static async Task LongTaskAsync(Azurite azurite, int minutes, Action<string> log)
    {
        var limit = TimeSpan.FromSeconds(230);
        using var http = new HttpClient { Timeout = limit };
        var port = FreePort.Next();
        var endpoint = new Uri($"http://127.0.0.1:{port}/mcp");
        await using var server = Server(azurite.ConnectionString, tasks: true).Prepare(port, RuntimeVariant.AsPublished)();
        await WaitForToolsAsync(http, endpoint, server);
        var arguments = $$"""{"seconds":{{minutes * 60}},"label":"long"}""";

        log($"long task: {minutes} min of slow_compute as a task, and as an ordinary call, each HTTP request cut at {limit.TotalSeconds:0} s");
        var direct = Task.Run(async () =>
        {
            var clock = Stopwatch.StartNew();
            try
            {
                await CallAsync(http, endpoint, "tools/call", arguments, declare: false);
                return $"answered after {clock.Elapsed.TotalSeconds:0} s";
            }
            catch (TaskCanceledException)
            {
                return $"cut at {clock.Elapsed.TotalSeconds:0} s, no result";
            }
        });

        var total = Stopwatch.StartNew();
        var longest = TimeSpan.Zero;
        var requests = 0;
        var created = await TimedAsync(() => CallAsync(http, endpoint, "tools/call", arguments, declare: true));
        var id = created.Body.GetProperty("result").GetProperty("taskId").GetString()!;
        string status;
        do
        {
            await Task.Delay(TimeSpan.FromSeconds(5));
            var get = await TimedAsync(() => CallAsync(http, endpoint, "tasks/get", $$"""{"taskId":"{{id}}"}""", declare: true, name: id));
            longest = get.Elapsed > longest ? get.Elapsed : longest;
            requests++;
            status = get.Body.GetProperty("result").GetProperty("status").GetString()!;
        }
        while (status is "working" && total.Elapsed < TimeSpan.FromMinutes(minutes + 5));

        Console.WriteLine();
        Console.WriteLine($"Long task {DateTimeOffset.Now:yyyy-MM-dd HH:mm}: a {minutes}-minute tool, each HTTP request limited to {limit.TotalSeconds:0} s.");
        Console.WriteLine($"- as a task: {status} after {total.Elapsed.TotalSeconds:0} s, in {requests + 1} requests, the longest {Math.Max(longest.TotalMilliseconds, created.Elapsed.TotalMilliseconds):0} ms");
        Console.WriteLine($"- as an ordinary call: {await direct}");
    }

    private static void Row(string name, List<double> values, double ordinaryMedian)
    {
        var sorted = values.Order().ToArray();
        Console.WriteLine($"| {name} | {Stats.Median(values):0.0} | {Stats.Percentile(sorted, 95):0.0} | {Stats.Median(values) / ordinaryMedian:0.00} |");
    }

    private static ServerUnderTest Server(string storage, bool tasks) => new(tasks ? "McpFunctions+tasks" : "McpFunctions", "FunctionApp", "McpFunctions", new Dictionary<string, string>
    {
        ["ASPNETCORE_ENVIRONMENT"] = "Development",
        ["AzureWebJobsStorage"] = storage,
        ["RateLimits__McpRequestsPerMinute"] = "100000000",
        ["RateLimits__McpBurst"] = "100000000",
        ["Telemetry__Console"] = "false",
        ["Mcp__ConformanceFixtures"] = "true",
        ["Tasks__Enabled"] = tasks ? "true" : "false",
        ["Tasks__HubName"] = "bench" + Guid.NewGuid().ToString("N")[..12],
    }, PublishedAs: "McpFunctions");

    private static async Task<long> IdleRequestsAsync(Azurite azurite, bool tasks, TimeSpan window, Action<string> log)
    {
        await using var proxies = await Proxies.StartAsync(azurite);
        var port = FreePort.Next();
        await using var server = Server(proxies.ConnectionString, tasks).Prepare(port, RuntimeVariant.AsPublished)();
        using var http = new HttpClient();
        await WaitForToolsAsync(http, new Uri($"http://127.0.0.1:{port}/mcp"), server);
        log($"idle: Tasks:Enabled={tasks}, 20 s warm-up, then {window.TotalSeconds:0} s counted");
        await Task.Delay(TimeSpan.FromSeconds(20));
        var before = proxies.Requests;
        await Task.Delay(window);
        return proxies.Requests - before;
    }

    private static async Task<(double Create, double FirstGet, double Completed)> OneTaskAsync(HttpClient http, Uri endpoint)
    {
        var clock = Stopwatch.StartNew();
        var created = await CallAsync(http, endpoint, "tools/call", """{"seconds":0,"label":"bench"}""", declare: true);
        var create = clock.Elapsed.TotalMilliseconds;
        var id = created.GetProperty("result").GetProperty("taskId").GetString()!;
        var get = Stopwatch.StartNew();
        var status = (await CallAsync(http, endpoint, "tasks/get", $$"""{"taskId":"{{id}}"}""", declare: true, name: id)).GetProperty("result").GetProperty("status").GetString();
        var firstGet = get.Elapsed.TotalMilliseconds;
        while (status != "completed")
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(30))
            {
                throw new InvalidOperationException($"Task {id} is still {status} after 30 s.");
            }

            await Task.Delay(10);
            status = (await CallAsync(http, endpoint, "tasks/get", $$"""{"taskId":"{{id}}"}""", declare: true, name: id)).GetProperty("result").GetProperty("status").GetString();
        }

        return (create, firstGet, clock.Elapsed.TotalMilliseconds);
    }

    private static async Task<(JsonElement Body, TimeSpan Elapsed)> TimedAsync(Func<Task<JsonElement>> call)
    {
        var clock = Stopwatch.StartNew();
        var body = await call();
        return (body, clock.Elapsed);
    }

    /// <summary>One 2026-07-28 request; <paramref name="declare"/> declares the tasks extension.</summary>
    private static Task<JsonElement> CallAsync(HttpClient http, Uri endpoint, string method, string argumentsOrParams, bool declare, string? name = null) =>
        McpWire.RequestAsync(
            http,
            endpoint,
            method,
            method == "tools/call" ? $$"""{"name":"{{name ?? "slow_compute"}}","arguments":{{argumentsOrParams}}}""" : argumentsOrParams,
            name ?? "slow_compute",
            declare ? """{"extensions":{"io.modelcontextprotocol/tasks":{}}}""" : "{}");

    private static async Task WaitForToolsAsync(HttpClient http, Uri endpoint, ChildProcess process)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await CallAsync(http, endpoint, "tools/call", """{"seconds":0,"label":"ready"}""", declare: false);
                return;
            }
            catch (Exception) when (!process.HasExited && clock.Elapsed < TimeSpan.FromSeconds(60))
            {
                await Task.Delay(100);
            }
        }
    }

    /// <summary>
    /// Proxies in front of Azurite's three services (the tests' fault proxy, always passing traffic), counting the
    /// requests sent through them: each is a billable storage transaction in Azure.
    /// </summary>
    private sealed class Proxies : IAsyncDisposable
    {
        private readonly FaultProxy[] _all;

        private Proxies(FaultProxy[] all) => _all = all;

        public string ConnectionString => FaultProxy.ConnectionString(tables: _all[2], blobs: _all[0], queues: _all[1]);

        public long Requests => _all.Sum(p => p.Requests);

        public static Task<Proxies> StartAsync(Azurite azurite) => Task.FromResult(new Proxies(
            [FaultProxy.Start(azurite.BlobPort), FaultProxy.Start(azurite.QueuePort), FaultProxy.Start(azurite.TablePort)]));

        public async ValueTask DisposeAsync()
        {
            foreach (var proxy in _all)
            {
                await proxy.DisposeAsync();
            }
        }
    }
}
