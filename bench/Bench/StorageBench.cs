using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Azure.Data.Tables;
using McpFunctions.Features.Notes;

namespace McpFunctions.Bench;

/// <summary>
/// Storage cost (<c>--storage</c>): the Table and Blob requests each tool call makes, counted from Azurite's access
/// log; then notes_search as one user's notes grow (1,000 and 10,000 by default, <c>--search-sizes</c>): its latency
/// against a one-page notes_list in the same run, its requests and the app's CPU per call.
/// </summary>
internal static partial class StorageBench
{
    /// <summary>Tables whose requests are the app's background work (relay inbox, heartbeat), not any call's.</summary>
    private static readonly string[] Background = ["mcprelay", "mcpinstances"];


    public static async Task RunAsync(HttpClient http, BenchOptions options, Action<string> log)
    {
        await using var azurite = await Azurite.StartWithAccessLogAsync();
        var port = FreePort.Next();
        var endpoint = new Uri($"http://127.0.0.1:{port}/mcp");
        // The audit trail writes its rows in the background, batched across calls: off here, so each call's own
        // requests are counted; its cost is one transaction per 100 calls at most (docs/storage.md).
        await using var server = new ServerUnderTest("McpFunctions", "FunctionApp", "McpFunctions", new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["RateLimits__McpRequestsPerMinute"] = "100000000",
            ["RateLimits__McpBurst"] = "100000000",
            ["Telemetry__Console"] = "false",
            ["Audit__Enabled"] = "false",
        }).Prepare(port, RuntimeVariant.AsPublished)();
        await McpWire.WaitUntilAnsweringAsync(http, endpoint, server);

        Console.WriteLine();
        Console.WriteLine($"Storage requests per call {DateTimeOffset.Now:yyyy-MM-dd HH:mm}, counted in Azurite's access log (stateless 2026-07-28 calls, audit off; median of 5):");
        Console.WriteLine("| call | Table | Blob | requests |");
        Console.WriteLine("|---|---:|---:|---|");
        var note = await ToolAsync(http, endpoint, "notes_add", """{"title":"warm-up","body":"first words","tags":["bench"]}""");
        var noteId = note.GetProperty("id").GetString()!;
        await ToolAsync(http, endpoint, "notes_search", """{"text":"first"}""");
        var calls = new (string Label, string Tool, Func<int, string> Arguments)[]
        {
            ("calculator_add", "calculator_add", _ => """{"a":1,"b":2}"""),
            ("notes_add", "notes_add", i => $$"""{"title":"note {{i}}","body":"some words to index","tags":["bench"]}"""),
            ("notes_add with an idempotency key", "notes_add", i => $$"""{"title":"note {{i}}","body":"some words","idempotencyKey":"{{Guid.NewGuid()}}"}"""),
            ("notes_get", "notes_get", _ => $$"""{"id":"{{noteId}}"}"""),
            ("notes_list (20)", "notes_list", _ => "{}"),
            ("notes_search, one word", "notes_search", _ => """{"text":"first"}"""),
            ("notes_update (body)", "notes_update", i => $$"""{"id":"{{noteId}}","body":"first words, version {{i}}"}"""),
            ("preferences_set", "preferences_set", i => $$"""{"key":"colour","value":"blue {{i}}"}"""),
            ("preferences_get", "preferences_get", _ => """{"key":"colour"}"""),
            ("files_write (1 KB)", "files_write", i => $$"""{"name":"bench-{{i}}.txt","content":"{{new string('x', 1024)}}"}"""),
            ("files_read", "files_read", _ => """{"name":"bench-0.txt"}"""),
            ("files_list", "files_list", _ => "{}"),
        };
        foreach (var (label, tool, arguments) in calls)
        {
            Row(label, await CountPerCallAsync(azurite, i => ToolAsync(http, endpoint, tool, arguments(i))));
        }

        var deleted = 0;
        Row("notes_delete", await CountPerCallAsync(azurite, async _ =>
        {
            var added = await ToolAsync(http, endpoint, "notes_add", $$"""{"title":"to delete {{deleted++}}","body":"short"}""");
            var mark = azurite.AccessLog.Count;
            await ToolAsync(http, endpoint, "notes_delete", $$"""{"id":"{{added.GetProperty("id").GetString()}}"}""");
            return mark;
        }));

        await SearchAtSizesAsync(azurite, http, endpoint, noteId, server.Id, options.SearchSizes, log);
    }

    /// <summary>Search latency and requests as one user's notes grow to each of <paramref name="sizes"/>.</summary>
    private static async Task SearchAtSizesAsync(Azurite azurite, HttpClient http, Uri endpoint, string knownNoteId, int pid, IReadOnlyList<int> sizes, Action<string> log)
    {
        var tables = new TableServiceClient(azurite.ConnectionString);
        var notes = tables.GetTableClient("mcpnotes");
        var partition = await notes.QueryAsync<TableEntity>(e => e.RowKey == knownNoteId, select: ["PartitionKey"]).Select(e => e.PartitionKey).FirstAsync();
        // Start from an empty partition: what the per-call table added is deleted, the ready marker written.
        await foreach (var row in notes.QueryAsync<TableEntity>(e => e.PartitionKey == partition, select: ["RowKey"]))
        {
            await notes.DeleteEntityAsync(partition, row.RowKey);
        }

        await notes.UpsertEntityAsync(new TableEntity(partition, NoteIndex.ReadyRow));
        var probes = new (string Label, string Arguments)[]
        {
            ("a word in 1 note in 1,000", """{"text":"needle","limit":10}"""),
            ("a word in half the notes, limit 10", """{"text":"common","limit":10}"""),
            ("two words, in 5% together", """{"text":"common alpha","limit":10}"""),
            ("a tag on 1% of notes, limit 10", """{"tag":"tagged","limit":10}"""),
            ("a word in no note", """{"text":"absent"}"""),
        };

        // Azurite answers every query by testing each entity of the table (a JavaScript filter over its LokiJS
        // collection), so any query, notes_list's one-page query included, slows as the table grows, where Azure Table
        // Storage reads a partition's key range from its index. The reference is therefore a query too.
        Console.WriteLine();
        Console.WriteLine("notes_search as one user's notes grow (stateless calls, sequential; a note has about 14 words). Reference: notes_list, one page of 10 (one query).");
        Console.WriteLine("| notes | call | matches | p50 ms | p99 ms | p50 / notes_list p50 | storage requests | app CPU ms/call |");
        Console.WriteLine("|---:|---|---:|---:|---:|---:|---:|---:|");
        var stored = 0;
        foreach (var size in sizes)
        {
            var seeding = Stopwatch.StartNew();
            await SeedAsync(notes, partition, stored, size);
            log($"search: {size:N0} notes stored in {seeding.Elapsed.TotalSeconds:0} s");
            stored = size;
            // Fewer samples where each query takes Azurite a second or more.
            var samples = size >= 100_000 ? 20 : 100;
            var list = await TimeAsync(() => ToolAsync(http, endpoint, "notes_list", """{"pageSize":10}"""), samples, pid);
            Console.WriteLine($"| {size:N0} | notes_list, 10 (reference) | 10 | {list.P50:0.0} | {list.P99:0.0} | 1.00 | 1 | {list.CpuMs:0.00} |");
            foreach (var (label, arguments) in probes)
            {
                var matches = (await ToolAsync(http, endpoint, "notes_search", arguments.Replace(",\"limit\":10", ",\"limit\":50"))).GetProperty("notes").GetArrayLength();
                var timing = await TimeAsync(() => ToolAsync(http, endpoint, "notes_search", arguments), samples, pid);
                var requests = (await CountPerCallAsync(azurite, _ => ToolAsync(http, endpoint, "notes_search", arguments))).Table;
                Console.WriteLine($"| {size:N0} | {label} | {(matches == 50 ? "≥ 50" : matches.ToString())} | {timing.P50:0.0} | {timing.P99:0.0} | {timing.P50 / list.P50:0.00} | {requests} | {timing.CpuMs:0.00} |");
            }
        }
    }

    /// <summary>Notes <paramref name="from"/> to <paramref name="to"/> - 1, with their index rows, as the app writes them.</summary>
    private static async Task SeedAsync(TableClient notes, string partition, int from, int to)
    {
        var start = DateTimeOffset.UtcNow;
        var batch = new List<TableTransactionAction>();
        var pending = new List<Task>();
        for (var i = from; i < to; i++)
        {
            var words = new List<string> { i % 1000 == 7 ? "needle" : "hay" };
            words.AddRange(i % 2 == 0 ? ["common"] : []);
            words.AddRange(i % 10 == 0 ? ["alpha"] : []);
            // About ten more words from a vocabulary of 5,000, skewed so that some are frequent and most are rare.
            words.AddRange(Enumerable.Range(0, 10).Select(k => "w" + (int)Math.Pow((i * 7919 + k * 104729) % 5000, 1.6) % 5000));
            var entity = new NoteEntity
            {
                PartitionKey = partition,
                RowKey = NoteId(i),
                Title = $"note {i}",
                Body = string.Join(' ', words),
                Tags = i % 100 == 3 ? "tagged" : "",
                CreatedAt = start,
                UpdatedAt = start,
            };
            var rows = NoteIndex.Terms(entity).Select(t => new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity(partition, NoteIndex.RowKey(t, entity.RowKey)))).Prepend(new TableTransactionAction(TableTransactionActionType.UpsertReplace, entity)).ToList();
            if (batch.Count + rows.Count > 100)
            {
                pending.Add(notes.SubmitTransactionAsync(batch));
                batch = [];
                if (pending.Count == 4)
                {
                    await Task.WhenAll(pending);
                    pending.Clear();
                }
            }

            batch.AddRange(rows);
        }

        pending.Add(notes.SubmitTransactionAsync(batch));
        await Task.WhenAll(pending);
    }

    /// <summary>Note ids in the app's format (newest first), note 0 the newest.</summary>
    private static string NoteId(int i) => NoteRules.NewId(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).AddSeconds(-i))[..10] + i.ToString("x5");

    /// <summary>p50 and p99 of <paramref name="count"/> sequential calls after a few to warm up, and the server's CPU per call.</summary>
    private static async Task<(double P50, double P99, double CpuMs)> TimeAsync(Func<Task> call, int count, int pid)
    {
        for (var i = 0; i < 3; i++)
        {
            await call();
        }

        var samples = new List<double>();
        var cpu = ProcessMemory.CpuMilliseconds(pid);
        for (var i = 0; i < count; i++)
        {
            var clock = Stopwatch.StartNew();
            await call();
            samples.Add(clock.Elapsed.TotalMilliseconds);
        }

        var sorted = samples.Order().ToArray();
        return (Stats.Median(samples), Stats.Percentile(sorted, 99), (ProcessMemory.CpuMilliseconds(pid) - cpu) / (double)count);
    }

    private static void Row(string label, (int Table, int Blob, string Kinds) count) =>
        Console.WriteLine($"| {label} | {count.Table} | {count.Blob} | {count.Kinds} |");

    /// <summary>The median requests of 5 calls; <paramref name="call"/> may return the log position its own request starts at.</summary>
    private static async Task<(int Table, int Blob, string Kinds)> CountPerCallAsync<T>(Azurite azurite, Func<int, Task<T>> call)
    {
        var counts = new List<(int Table, int Blob, string Kinds)>();
        for (var i = 0; i < 5; i++)
        {
            var mark = azurite.AccessLog.Count;
            var result = await call(i);
            mark = result is int start ? start : mark;
            await Task.Delay(50);
            var lines = azurite.AccessLog.Skip(mark).Select(Parse).Where(r => r is not null && !Background.Contains(r.Value.Resource)).Select(r => r!.Value).ToList();
            var table = lines.Count(r => r.Table);
            var kinds = string.Join(", ", lines.GroupBy(r => r.Kind).Select(g => g.Count() == 1 ? g.Key : $"{g.Key} ×{g.Count()}"));
            counts.Add((table, lines.Count - table, kinds));
        }

        return counts.OrderBy(c => c.Table + c.Blob).ElementAt(counts.Count / 2);
    }

    /// <summary>What a logged request is: its table or container, whether it is a Table request, and a short kind.</summary>
    /// <remarks>Table names are letters and digits only; the app's containers have a '-' (<c>mcp-files</c>, <c>mcp-keys</c>).</remarks>
    private static (string Resource, bool Table, string Kind)? Parse(string line)
    {
        var match = RequestLine().Match(line);
        if (!match.Success)
        {
            return null;
        }

        var (method, resource, key) = (match.Groups["method"].Value, match.Groups["resource"].Value, match.Groups["key"].Value);
        if (resource == "$batch")
        {
            return (resource, true, "batch");
        }

        if (resource.All(char.IsAsciiLetterOrDigit))
        {
            var kind = method switch
            {
                "GET" when key.Contains("RowKey", StringComparison.Ordinal) => "read",
                "GET" => "query",
                "POST" => "insert",
                "DELETE" => "delete",
                _ => "write",
            };
            return (resource, true, $"{resource} {kind}");
        }

        return (resource, false, $"blob {method}");
    }

    [GeneratedRegex("\"(?<method>[A-Z]+) /devstoreaccount1/(?<resource>[^/(?]+)(?<key>\\([^)]*\\))?(?<rest>[^ ]*) HTTP/1.1\"")]
    private static partial Regex RequestLine();

    private static async Task<JsonElement> ToolAsync(HttpClient http, Uri endpoint, string tool, string arguments)
    {
        var message = await McpWire.RequestAsync(http, endpoint, "tools/call", $$"""{"name":"{{tool}}","arguments":{{arguments}}}""", tool);
        var result = message.GetProperty("result");
        if (result.TryGetProperty("isError", out var isError) && isError.GetBoolean())
        {
            throw new InvalidOperationException($"{tool} failed: {result}");
        }

        return result.TryGetProperty("structuredContent", out var structured) ? structured : result;
    }
}
