using System.Diagnostics;
using System.Net;
using System.Text.Json;
using McpFunctions.Bench;

if (args.Contains("--help") || args.Contains("-h"))
{
    Console.WriteLine(BenchOptions.Usage);
    return 0;
}

BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

var started = DateTimeOffset.Now;
var clock = Stopwatch.StartNew();
var machine = MachineInfo.Read();
Console.WriteLine($"McpFunctions benchmark ({(options.Quick ? "quick" : "full")}) on {machine.LogicalCores} x {machine.CpuModel}, load average {machine.LoadAverage1Min}");

if (options.Publish)
{
    var bareProject = Path.Combine("bench", "BareServer");
    await Publisher.PublishAsync("FunctionApp", "McpFunctions");
    await Publisher.PublishAsync(bareProject, "BareServer");
    if (options.AllVariants)
    {
        await Publisher.PublishAsync("FunctionApp", "McpFunctions-jit", "-p:PublishReadyToRun=false");
        await Publisher.PublishAsync(bareProject, "BareServer-jit", "-p:PublishReadyToRun=false");
        Console.WriteLine("  (the composite image compiles the whole framework: expect several minutes)");
        await Publisher.PublishAsync("FunctionApp", "McpFunctions-composite", "--self-contained", "-p:PublishReadyToRunComposite=true");
    }
}

Log("starting Azurite");
await using var azurite = await Azurite.StartAsync();

// Both run in Development: McpFunctions signs loopback callers in as the local developer only there, and the
// bare server gets the same environment so that Development-only costs (scope validation, user secrets) match.
// The load is one user sending as fast as the server answers, far over the per-user limit: the limit is raised so
// that the limiter still runs (its cost is measured) but never refuses a call.
var ours = new ServerUnderTest("McpFunctions", "FunctionApp", "McpFunctions", new Dictionary<string, string>
{
    ["ASPNETCORE_ENVIRONMENT"] = "Development",
    ["AzureWebJobsStorage"] = azurite.ConnectionString,
    ["RateLimits__McpRequestsPerMinute"] = "100000000",
    ["RateLimits__McpBurst"] = "100000000",
    // Development writes spans to the console; the bare server has no telemetry, so neither may we here.
    ["Telemetry__Console"] = "false",
});
// The same build with the app's own authorization server on: every call carries one of its JWTs.
var oursJwt = new ServerUnderTest("McpFunctions+JWT", "FunctionApp", "McpFunctions", new Dictionary<string, string>
{
    ["ASPNETCORE_ENVIRONMENT"] = "Development",
    ["AzureWebJobsStorage"] = azurite.ConnectionString,
    ["Auth__Mode"] = "LocalSignIn",
    ["RateLimits__McpRequestsPerMinute"] = "100000000",
    ["RateLimits__McpBurst"] = "100000000",
    ["Telemetry__Console"] = "false",
}, PublishedAs: "McpFunctions");
var bare = new ServerUnderTest("BareServer", "bench/BareServer", "BareServer", new Dictionary<string, string>
{
    ["ASPNETCORE_ENVIRONMENT"] = "Development",
});

using var http = new HttpClient(new SocketsHttpHandler
{
    UseProxy = false,
    UseCookies = false,
    AllowAutoRedirect = false,
    AutomaticDecompression = DecompressionMethods.None,
    PooledConnectionIdleTimeout = TimeSpan.FromMinutes(10),
    ConnectTimeout = TimeSpan.FromSeconds(5),
})
{
    Timeout = TimeSpan.FromSeconds(30),
};

// ---- Tasks (--tasks, --long-task M): see TaskBench.
if (options.Tasks)
{
    await TaskBench.RunAsync(azurite, http, options, Log);
    return 0;
}

// ---- Storage (--storage): see StorageBench.
if (options.Storage)
{
    await StorageBench.RunAsync(http, options, Log);
    return 0;
}

if (options.IdleSessions > 0)
{
    await IdleSessionBench.RunAsync(azurite, http, options.IdleSessions, Log);
    return 0;
}

if (options.LongTaskMinutes > 0)
{
    await TaskBench.LongTaskAsync(azurite, options.LongTaskMinutes, Log);
    return 0;
}

// ---- Soak (--soak M): McpFunctions alone under load for M minutes, stateless and session windows alternating,
// with its resident memory, p99 and failures per minute. Memory must stay flat (the last five minutes within 10% of
// the first five) with no failures; that is the exit code.
if (options.SoakMinutes > 0)
{
    var soakPort = FreePort.Next();
    var soakEndpoint = new Uri($"http://127.0.0.1:{soakPort}/mcp");
    await using var soakProcess = ours.Prepare(soakPort, RuntimeVariant.AsPublished)();
    await WaitUntilAnsweringAsync(soakEndpoint, soakProcess);
    using var soakCancel = new CancellationTokenSource(TimeSpan.FromMinutes(options.SoakMinutes + 5));
    var stateless = LoadTest.Stateless(http, soakEndpoint, options.Clients);
    var session = await LoadTest.SessionAsync(http, soakEndpoint, options.Clients, soakCancel.Token);
    Log($"soak: {options.SoakMinutes} min on McpFunctions, {options.Clients} clients, 30 s windows alternating modes, after {options.Warmup.TotalSeconds} s of warm-up");
    await stateless.RunAsync(ours.Name, soakProcess.Id, 0, options.Warmup, soakCancel.Token);
    await session.RunAsync(ours.Name, soakProcess.Id, 0, options.Warmup, soakCancel.Token);
    var minutes = new List<(int Minute, double RssMiB, double StatelessP99, double SessionP99, double StatelessRps, double SessionRps, long Failed, string? Failure)>();
    for (var minute = 1; minute <= options.SoakMinutes; minute++)
    {
        var a = await stateless.RunAsync(ours.Name, soakProcess.Id, minute, TimeSpan.FromSeconds(30), soakCancel.Token);
        var b = await session.RunAsync(ours.Name, soakProcess.Id, minute, TimeSpan.FromSeconds(30), soakCancel.Token);
        var rss = ProcessMemory.Read(soakProcess.Id).RssMiB;
        minutes.Add((minute, rss, a.P99Ms, b.P99Ms, a.RequestsPerSecond, b.RequestsPerSecond, a.Failed + b.Failed, a.FirstFailure ?? b.FirstFailure));
        Log($"  minute {minute,3}: RSS {rss,6:0.0} MiB  stateless {a.RequestsPerSecond,6:0} req/s p99 {a.P99Ms,6:0.00} ms  session {b.RequestsPerSecond,6:0} req/s p99 {b.P99Ms,6:0.00} ms  failed {a.Failed + b.Failed}{((a.FirstFailure ?? b.FirstFailure) is { } f ? ": " + f : "")}");
    }

    // Growth: the median of the last five loaded minutes against that of the first five, so that one minute's
    // transient peak (a GC that has not yet returned memory) does not count as growth; the peak is reported too.
    var first = minutes[0].RssMiB;
    var span = Math.Min(5, minutes.Count);
    var growth = (Stats.Median(minutes.TakeLast(span).Select(m => m.RssMiB)) / Stats.Median(minutes.Take(span).Select(m => m.RssMiB)) - 1) * 100;
    var failedCalls = minutes.Sum(m => m.Failed);
    Console.WriteLine();
    Console.WriteLine($"Soak {DateTimeOffset.Now:yyyy-MM-dd HH:mm}, {options.SoakMinutes} min, {options.Clients} clients; load average {machine.LoadAverage1Min} at start, {MachineInfo.Read().LoadAverage1Min} at end.");
    Console.WriteLine("| minutes | RSS MiB first / min / max / last | stateless p99 ms median (min-max) | session p99 ms median (min-max) | stateless / session req/s median | failed calls |");
    Console.WriteLine("|---|---:|---:|---:|---:|---:|");
    Console.WriteLine($"| {options.SoakMinutes} | {first:0.0} / {minutes.Min(m => m.RssMiB):0.0} / {minutes.Max(m => m.RssMiB):0.0} / {minutes[^1].RssMiB:0.0} | {Stats.Median(minutes.Select(m => m.StatelessP99)):0.00} ({minutes.Min(m => m.StatelessP99):0.00}-{minutes.Max(m => m.StatelessP99):0.00}) | {Stats.Median(minutes.Select(m => m.SessionP99)):0.00} ({minutes.Min(m => m.SessionP99):0.00}-{minutes.Max(m => m.SessionP99):0.00}) | {Stats.Median(minutes.Select(m => m.StatelessRps)):0} / {Stats.Median(minutes.Select(m => m.SessionRps)):0} | {failedCalls} |");
    Console.WriteLine($"RSS, median of the last {span} minutes against the first {span}: {growth:+0.0;-0.0}%; peak {(minutes.Max(m => m.RssMiB) / first - 1) * 100:+0.0}% over the first minute; {(growth <= 10 && failedCalls == 0 ? "flat, no failures" : "NOT flat, or failures")}.");
    // Where storage failed on the request path, if it did: the app names the call site in its warning.
    foreach (var line in soakProcess.Output.Split('\n').Where(l => l.Contains("Storage unavailable", StringComparison.Ordinal)).Distinct().Take(10))
    {
        Console.WriteLine($"  server: {line.Trim()}");
    }

    return growth <= 10 && failedCalls == 0 ? 0 : 1;
}

// ---- Cold start: fresh processes, configurations interleaved so that machine noise spreads over all of them.
var variants = options.SkipVariants ? [RuntimeVariant.AsPublished] : RuntimeVariant.ColdStartSet(options.AllVariants);
var configurations = variants.Select(v => (Server: ours, Variant: v)).ToList();
configurations.Insert(1, (bare, RuntimeVariant.AsPublished));
if (options.AllVariants)
{
    configurations.AddRange(variants.Skip(1).Where(v => !v.SelfContained).Select(v => (bare, v)));
    configurations.Add((bare, new RuntimeVariant("production-environment", "ASPNETCORE_ENVIRONMENT=Production: what Development costs (bare server only; McpFunctions needs Development to sign the benchmark in)")
    {
        Environment = new Dictionary<string, string> { ["ASPNETCORE_ENVIRONMENT"] = "Production" },
    }));
}

Log($"cold start: {configurations.Count} configurations x {options.ColdStarts} fresh processes");
// One discarded start each warms the file cache and the benchmark's own polling code.
await ColdStart.MeasureAsync(ours, RuntimeVariant.AsPublished, http);
await ColdStart.MeasureAsync(bare, RuntimeVariant.AsPublished, http);
var samples = new List<ColdStartSample>();
for (var i = 0; i < options.ColdStarts; i++)
{
    foreach (var (server, variant) in Rotate(configurations, i))
    {
        samples.Add(await ColdStart.MeasureAsync(server, variant, http));
    }

    var baseline = samples.Where(s => s.Variant == RuntimeVariant.AsPublished.Name && s.Server == ours.Name).Select(s => s.FirstToolsListMs);
    Log($"  pass {i + 1}/{options.ColdStarts}: McpFunctions as published {string.Join(", ", baseline.Select(v => $"{v:0}"))} ms");
}

var coldStart = Summarize(samples, configurations);

// ---- Warm load: both servers up at once, windows alternating between them.
Log("warm load: starting both servers");
var load = new List<LoadWindow>();
var memory = new List<MemorySnapshot>();
var allocations = new List<AllocationSummary>();
var oursPort = FreePort.Next();
var barePort = FreePort.Next();
var jwtPort = FreePort.Next();
await using (var oursProcess = ours.Prepare(oursPort, RuntimeVariant.AsPublished)())
await using (var bareProcess = bare.Prepare(barePort, RuntimeVariant.AsPublished)())
await using (var jwtProcess = oursJwt.Prepare(jwtPort, RuntimeVariant.AsPublished)())
{
    var running = new[]
    {
        (Server: ours, Process: oursProcess, Endpoint: new Uri($"http://127.0.0.1:{oursPort}/mcp")),
        (Server: bare, Process: bareProcess, Endpoint: new Uri($"http://127.0.0.1:{barePort}/mcp")),
        (Server: oursJwt, Process: jwtProcess, Endpoint: new Uri($"http://127.0.0.1:{jwtPort}/mcp")),
    };

    using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(20));
    var bearer = await BenchSignIn.AccessTokenAsync(new Uri($"http://127.0.0.1:{jwtPort}/"), cancel.Token);
    foreach (var r in running)
    {
        await WaitUntilAnsweringAsync(r.Endpoint, r.Process, r.Server == oursJwt ? bearer : null);
        memory.Add(Snapshot(r.Server, "idle after the first tools/list", r.Process));
    }

    var tests = new Dictionary<(string Server, string Mode), LoadTest>();
    foreach (var r in running)
    {
        var token = r.Server == oursJwt ? bearer : null;
        tests[(r.Server.Name, LoadTest.StatelessMode)] = LoadTest.Stateless(http, r.Endpoint, options.Clients, token);
        tests[(r.Server.Name, LoadTest.SessionMode)] = await LoadTest.SessionAsync(http, r.Endpoint, options.Clients, cancel.Token, token);
        tests[(r.Server.Name, LoadTest.OneSessionMode)] = await LoadTest.OneSessionAsync(http, r.Endpoint, options.Clients, cancel.Token, token);
    }

    var modes = new[] { LoadTest.StatelessMode, LoadTest.SessionMode, LoadTest.OneSessionMode };
    Log($"warm-up: {options.Warmup.TotalSeconds} s per server and mode");
    foreach (var r in running)
    {
        foreach (var mode in modes)
        {
            var warm = await tests[(r.Server.Name, mode)].RunAsync(r.Server.Name, r.Process.Id, 0, options.Warmup, cancel.Token);
            if (warm.Failed > 0)
            {
                throw new InvalidOperationException($"{r.Server.Name} {mode} failed during warm-up: {warm.FirstFailure}");
            }
        }

        memory.Add(Snapshot(r.Server, "after warm-up", r.Process));
    }

    for (var round = 1; round <= options.Rounds; round++)
    {
        var order = round % 2 == 1 ? running : running.Reverse().ToArray();
        foreach (var mode in round % 2 == 1 ? modes : modes.Reverse())
        {
            foreach (var r in order)
            {
                var window = await tests[(r.Server.Name, mode)].RunAsync(r.Server.Name, r.Process.Id, round, options.Window, cancel.Token);
                load.Add(window);
                Log($"  round {round} {mode,-22} {r.Server.Name,-12} {window.RequestsPerSecond,8:0} req/s  p50 {window.P50Ms:0.00} ms  p99 {window.P99Ms:0.00} ms  CPU {window.ServerCpuMicrosecondsPerCall:0} µs/call{(window.Failed > 0 ? $"  FAILED {window.Failed}: {window.FirstFailure}" : "")}");
            }
        }
    }

    foreach (var r in running)
    {
        memory.Add(Snapshot(r.Server, "after the load", r.Process));
    }

    if (options.Allocations)
    {
        Log("allocation and GC profile: one traced window per server and mode");
        foreach (var mode in modes)
        {
            foreach (var r in running)
            {
                var profile = await AllocationProfile.MeasureAsync(r.Server.Name, r.Process.Id, tests[(r.Server.Name, mode)], options.Window, cancel.Token);
                allocations.Add(profile);
                Log($"  {mode,-22} {r.Server.Name,-12} {profile.AllocatedBytesPerCall,6} B/call allocated, {profile.PromotedFromGen0BytesPerCall,5} B/call survived gen0; GCs {profile.Gen0Collections}/{profile.Gen1Collections}/{profile.Gen2Collections}");
            }
        }
    }
}

var throughput = new List<ThroughputSummary>();
foreach (var (mode, subject, baseline, label) in new[]
{
    (LoadTest.StatelessMode, ours, bare, LoadTest.StatelessMode),
    (LoadTest.SessionMode, ours, bare, LoadTest.SessionMode),
    (LoadTest.OneSessionMode, ours, bare, LoadTest.OneSessionMode),
    (LoadTest.StatelessMode, oursJwt, bare, LoadTest.StatelessMode + ", our JWT (vs bare)"),
    (LoadTest.SessionMode, oursJwt, bare, LoadTest.SessionMode + ", our JWT (vs bare)"),
    (LoadTest.StatelessMode, oursJwt, ours, LoadTest.StatelessMode + ", our JWT (vs no token)"),
    (LoadTest.SessionMode, oursJwt, ours, LoadTest.SessionMode + ", our JWT (vs no token)"),
})
{
    var o = load.Where(w => w.Mode == mode && w.Server == subject.Name).OrderBy(w => w.Round).ToList();
    var b = load.Where(w => w.Mode == mode && w.Server == baseline.Name).OrderBy(w => w.Round).ToList();
    throughput.Add(new ThroughputSummary(
        label, options.Clients, o.Count,
        Stats.Median(o.Select(w => w.RequestsPerSecond)),
        Stats.Median(b.Select(w => w.RequestsPerSecond)),
        Stats.Round(Stats.Median(o.Zip(b, (x, y) => x.RequestsPerSecond / y.RequestsPerSecond)), 3),
        Stats.Median(o.Select(w => w.P50Ms)),
        Stats.Median(b.Select(w => w.P50Ms)),
        Stats.Median(o.Select(w => w.P99Ms)),
        Stats.Median(b.Select(w => w.P99Ms)),
        Stats.Median(o.Select(w => w.ServerCpuMicrosecondsPerCall)),
        Stats.Median(b.Select(w => w.ServerCpuMicrosecondsPerCall)),
        Stats.Round(Stats.Median(o.Zip(b, (x, y) => y.ServerCpuMicrosecondsPerCall / x.ServerCpuMicrosecondsPerCall)), 3),
        o.Sum(w => w.Failed) + b.Sum(w => w.Failed)));
}

var report = new BenchReport(
    started, Stats.Round(clock.Elapsed.TotalSeconds, 1), machine, MachineInfo.LoadAverage(),
    new BenchSettings(options.Quick, options.Clients, options.Rounds, options.Window.TotalSeconds, options.Warmup.TotalSeconds, options.ColdStarts,
        "raw HttpClient POSTs with prebuilt JSON bodies, one keep-alive connection per client", "Development"),
    throughput, coldStart, memory, allocations, load, samples);

Directory.CreateDirectory(BenchPaths.Results);
var json = JsonSerializer.Serialize(report, new JsonSerializerOptions(JsonSerializerOptions.Web) { WriteIndented = true });
var stamp = started.ToString("yyyyMMdd-HHmmss");
var jsonPath = Path.Combine(BenchPaths.Results, $"bench-{stamp}{(options.Quick ? "-quick" : "")}.json");
await File.WriteAllTextAsync(jsonPath, json);
await File.WriteAllTextAsync(Path.Combine(BenchPaths.Results, "latest.json"), json);
var markdown = MarkdownReport.Render(report);
await File.WriteAllTextAsync(Path.Combine(BenchPaths.Results, "latest.md"), markdown);

Console.WriteLine();
Console.WriteLine(markdown);
Console.WriteLine($"Results: {jsonPath} (and latest.json, latest.md); {report.DurationSeconds:0} s in all.");
return throughput.Sum(t => t.Failed) > 0 ? 1 : 0;

void Log(string message) => Console.WriteLine($"[{clock.Elapsed:mm\\:ss}] {message}");

static IEnumerable<T> Rotate<T>(IReadOnlyList<T> items, int by) =>
    items.Skip(by % items.Count).Concat(items.Take(by % items.Count));

static MemorySnapshot Snapshot(ServerUnderTest server, string phase, ChildProcess process)
{
    var m = ProcessMemory.Read(process.Id);
    return new MemorySnapshot(server.Name, phase, m.RssMiB, m.PeakRssMiB);
}

static List<ColdStartSummary> Summarize(List<ColdStartSample> samples, List<(ServerUnderTest Server, RuntimeVariant Variant)> configurations)
{
    var summaries = new List<ColdStartSummary>();
    foreach (var (server, variant) in configurations)
    {
        var mine = samples.Where(s => s.Server == server.Name && s.Variant == variant.Name).ToList();
        var baselineSamples = samples.Where(s => s.Server == server.Name && s.Variant == RuntimeVariant.AsPublished.Name).ToList();
        var baseline = Stats.Median(baselineSamples.Select(s => s.FirstToolsListMs));
        var baselineCpu = Stats.Median(baselineSamples.Select(s => s.CpuMs));
        var cpu = Stats.Median(mine.Select(s => s.CpuMs));
        var median = Stats.Median(mine.Select(s => s.FirstToolsListMs));
        summaries.Add(new ColdStartSummary(
            server.Name, variant.Name, variant.Description, mine.Count,
            Stats.Round(median, 1),
            mine.Min(s => s.FirstToolsListMs),
            Stats.Round(Stats.Median(mine.Select(s => s.ListeningMs)), 1),
            cpu,
            Stats.Median(mine.Select(s => s.RssMiB)),
            Stats.Round((median / baseline - 1) * 100, 1),
            Stats.Round((cpu / baselineCpu - 1) * 100, 1)));
    }

    return summaries;
}

async Task WaitUntilAnsweringAsync(Uri endpoint, ChildProcess process, string? bearer = null)
{
    var deadline = Stopwatch.StartNew();
    while (true)
    {
        try
        {
            using var request = McpWire.StatelessList(endpoint);
            if (bearer is not null)
            {
                request.Headers.TryAddWithoutValidation("Authorization", bearer);
            }

            using var response = await http.SendAsync(request);
            if (response.IsSuccessStatusCode && McpWire.IsResult(await response.Content.ReadAsByteArrayAsync()))
            {
                return;
            }
        }
        catch (HttpRequestException)
        {
        }

        if (process.HasExited || deadline.Elapsed > TimeSpan.FromSeconds(60))
        {
            throw new InvalidOperationException($"The server at {endpoint} did not answer tools/list:\n{process.Output}");
        }

        await Task.Delay(20);
    }
}
