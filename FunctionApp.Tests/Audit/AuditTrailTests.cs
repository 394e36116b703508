using System.Net;
using System.Text.Json;
using Azure.Data.Tables;
using McpFunctions.Audit;
using McpFunctions.Storage;
using McpFunctions.Tests.Fixtures;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace McpFunctions.Tests.Audit;

/// <summary>
/// The audit trail: an OAuth flow and tool calls leave sign-in, consent, token and tool-call rows in the user's
/// partition and no argument content anywhere; a disconnect on the account page is recorded; the page shows only the
/// user's own rows; the sweeper enforces the retention; a full queue drops and counts.
/// </summary>
[NonParallelizable]
public sealed class AuditTrailTests
{
    private const string Callback = "https://claude.ai/api/mcp/auth_callback";

    private readonly string _prefix = "audit" + Guid.NewGuid().ToString("N")[..8];
    private LoopbackServer _server = null!;
    private TableClient _table = null!;

    [OneTimeSetUp]
    public void Start()
    {
        _server = new LoopbackServer(TestRun.Azurite.ConnectionString, new Dictionary<string, string?>
        {
            ["Auth:Mode"] = "LocalSignIn",
            ["Storage:TablePrefix"] = _prefix,
            // A used refresh token presented again is a replay at once.
            ["Auth:RefreshTokenReuseGrace"] = "00:00:00",
        }).Start();
        _table = new TableServiceClient(TestRun.Azurite.ConnectionString).GetTableClient(_prefix + StorageNames.Audit);
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await _server.DisposeAsync();
        await _table.DeleteAsync();
    }

    [Test]
    public async Task A_sign_in_flow_and_tool_calls_are_recorded_for_the_user_without_any_argument_content()
    {
        var marker = "MARKER" + Guid.NewGuid().ToString("N");
        var (http, clientId, tokens, browser) = await SignInAsync("audit-alice", "Audit flow client");
        browser.Dispose();
        await using (var client = await ConnectAsync(tokens.GetProperty("access_token").GetString()!))
        {
            var added = await client.CallToolAsync("notes_add", new Dictionary<string, object?> { ["title"] = marker, ["body"] = marker + " body" });
            var refused = await client.CallToolAsync("notes_get", new Dictionary<string, object?> { ["id"] = marker });
            Assert.That(added.IsError, Is.Not.True);
            Assert.That(refused.IsError, Is.True);
            Assert.That(async () => await client.CallToolAsync(marker), Throws.InstanceOf<McpException>(), "an unknown tool named like the marker");
        }

        await FlushAsync();

        var rows = await RowsAsync(StorageKey.Encode("local:audit-alice"));
        var events = rows.Select(r => $"{r.GetString("Kind")} {r.GetString("Action")} {r.GetString("Outcome")}").ToArray();
        Assert.That(events, Is.SupersetOf(new[]
        {
            "signin local ok", "consent allow ok", "token authorization_code ok",
            "tool notes_add ok", "tool notes_get error",
        }));
        Assert.That(events.Count(e => e.StartsWith("tool ", StringComparison.Ordinal)), Is.EqualTo(2), "a call naming no tool is refused before any tool runs, and is not a tool call");
        var token = rows.Single(r => r.GetString("Kind") == AuditKinds.Token);
        Assert.That(token.GetString("ClientId"), Is.EqualTo(clientId));
        Assert.That(token.GetString("GrantId"), Does.StartWith(StorageKey.Encode("local:audit-alice") + ":"));
        var call = rows.First(r => r.GetString("Action") == "notes_add");
        Assert.That(call.GetString("ClientId"), Is.EqualTo(clientId), "our access token's client_id claim");
        Assert.That(call.GetString("ClientName"), Is.EqualTo("Audit session client"), "the session's clientInfo name");
        Assert.That(call.GetDouble("DurationMs"), Is.GreaterThan(0));
        Assert.That(rows.Select(r => r.RowKey), Is.Ordered.Using<string>(StringComparer.Ordinal), "stored order");
        Assert.That(rows.Select(r => r.GetDateTimeOffset("OccurredAt")), Is.Ordered.Descending, "newest first");
        var everyColumn = (await AllRowsAsync()).SelectMany(r => r.SelectMany(column => new[] { column.Key, Convert.ToString(column.Value, System.Globalization.CultureInfo.InvariantCulture) ?? "" }));
        Assert.That(everyColumn, Has.None.Contains(marker));
        http.Dispose();
    }

    [Test]
    public async Task A_disconnect_on_the_account_page_is_recorded_and_the_page_lists_only_the_users_own_rows()
    {
        var (otherHttp, _, _, other) = await SignInAsync("audit-bob", "Bob's audited client");
        other.Dispose();
        otherHttp.Dispose();
        var (http, clientId, _, browser) = await SignInAsync("audit-carol", "Carol's audited client");
        using var _http = http;
        using var _browser = browser;
        await browser.GetAsync(new Uri(_server.BaseAddress, "/account"));
        var form = SignInBrowser.Form.Parse(browser.LastPage);
        var grant = form.Fields["grant"];
        Assert.That((await browser.PostAsync(new Uri(_server.BaseAddress, form.Action), form.Fields)).StatusCode, Is.EqualTo(HttpStatusCode.Redirect));

        await FlushAsync();
        await browser.GetAsync(new Uri(_server.BaseAddress, "/account"));

        var revocation = (await RowsAsync(StorageKey.Encode("local:audit-carol"))).Single(r => r.GetString("Kind") == AuditKinds.Revocation);
        Assert.That(revocation.GetString("Action"), Is.EqualTo("account"));
        Assert.That(revocation.GetString("GrantId"), Is.EqualTo(grant));
        Assert.That(revocation.GetString("ClientId"), Is.EqualTo(clientId));
        var page = browser.LastPage;
        Assert.That(page, Does.Contain("Recent activity").And.Contain("Disconnected an application").And.Contain("Approved an application")
            .And.Contain("Signed in (local)").And.Contain("Tokens issued").And.Contain("Carol&#39;s audited client"));
        Assert.That(page, Does.Not.Contain("Bob"), "another user's rows");
        Assert.That(page.IndexOf("Disconnected an application", StringComparison.Ordinal), Is.LessThan(page.IndexOf("Signed in (local)", StringComparison.Ordinal)), "newest first");
    }

    [Test]
    public async Task Refreshes_replays_sign_outs_at_the_revoke_endpoint_denials_and_registrations_are_recorded()
    {
        var (http, clientId, tokens, browser) = await SignInAsync("audit-erin", "Erin's client");
        using var _http = http;
        browser.Dispose();
        var (_, renewed) = await OAuthRequests.RefreshAsync(http, clientId, tokens.GetProperty("refresh_token").GetString()!);
        var (replayed, _) = await OAuthRequests.RefreshAsync(http, clientId, tokens.GetProperty("refresh_token").GetString()!);
        var (_, otherClient, other, otherBrowser) = await SignInAsync("audit-frank", "Frank's client");
        otherBrowser.Dispose();
        using var signOut = await http.PostAsync("/revoke", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["token"] = other.GetProperty("refresh_token").GetString()!, ["token_type_hint"] = "refresh_token", ["client_id"] = otherClient,
        }));
        var denied = await OAuthRequests.RegisterAsync(http, Callback, "Denied client");
        using var denying = new SignInBrowser();
        await denying.AuthorizeAsync(OAuthRequests.AuthorizeUrl(_server.BaseAddress,
            OAuthRequests.AuthorizeParameters(_server.BaseAddress, denied, Callback, OAuthRequests.Pkce().Challenge)), "audit-gina", decision: "deny");

        await FlushAsync();

        Assert.That(renewed.TryGetProperty("access_token", out _), Is.True);
        Assert.That(replayed, Is.EqualTo(400));
        Assert.That(signOut.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(Events(await RowsAsync(StorageKey.Encode("local:audit-erin"))), Is.SupersetOf(new[] { "token refresh_token ok", "revocation replay ok" }));
        Assert.That(Events(await RowsAsync(StorageKey.Encode("local:audit-frank"))), Does.Contain("revocation revoke-endpoint ok"));
        var denial = (await RowsAsync(StorageKey.Encode("local:audit-gina"))).Single(r => r.GetString("Kind") == AuditKinds.Consent);
        Assert.That(Events([denial]), Is.EqualTo(new[] { "consent deny refused" }));
        Assert.That(denial.GetString("ClientId"), Is.EqualTo(denied));
        var registration = (await RowsAsync(AuditRows.NoPrincipalPartition)).Single(r => r.GetString("ClientId") == denied);
        Assert.That(Events([registration]), Is.EqualTo(new[] { "registration public ok" }));
        Assert.That(registration.GetString("ClientName"), Is.EqualTo("Denied client"));
    }

    [Test]
    public async Task The_account_page_shows_fifty_rows_and_links_to_older_ones()
    {
        var (http, _, _, browser) = await SignInAsync("audit-dave", "Dave's client");
        using var _http = http;
        using var _browser = browser;
        var audit = _server.Services.GetRequiredService<AuditTrail>();
        for (var i = 0; i < 60; i++)
        {
            // Sixty tools, so that no two calls gather into one row.
            audit.RecordFor("local:audit-dave", new AuditEvent(AuditKinds.ToolCall, $"whoami-{i:00}", AuditOutcomes.Ok) { DurationMs = 1 });
        }

        await FlushAsync();
        await browser.GetAsync(new Uri(_server.BaseAddress, "/account"));
        var first = browser.LastPage;
        var older = System.Text.RegularExpressions.Regex.Match(first, "href=\"(/account\\?before=[0-9a-f-]+)#activity\"").Groups[1].Value;
        await browser.GetAsync(new Uri(_server.BaseAddress, older));

        Assert.That(CountOf(first, "Tool whoami"), Is.EqualTo(AuditRows.PageSize));
        Assert.That(older, Is.Not.Empty);
        Assert.That(CountOf(browser.LastPage, "Tool whoami"), Is.EqualTo(10));
        Assert.That(browser.LastPage, Does.Contain("Tokens issued").And.Contain("Signed in (local)"), "the older page goes on where the first stopped");
    }

    [Test]
    public async Task The_sweeper_removes_rows_past_the_retention_and_keeps_the_rest()
    {
        var now = DateTimeOffset.UtcNow;
        await _table.CreateIfNotExistsAsync();
        var old = Enumerable.Range(0, 130).Select(i => AuditRows.ToEntity("sweep-old", now.AddDays(-91).AddMinutes(-i), new AuditEvent(AuditKinds.ToolCall, "whoami", AuditOutcomes.Ok))).ToList();
        foreach (var chunk in old.Chunk(100))
        {
            await _table.SubmitTransactionAsync(chunk.Select(e => new TableTransactionAction(TableTransactionActionType.Add, e)));
        }

        await _table.AddEntityAsync(AuditRows.ToEntity("sweep-mixed", now.AddDays(-200), new AuditEvent(AuditKinds.SignIn, "local", AuditOutcomes.Ok)));
        var kept = AuditRows.ToEntity("sweep-mixed", now.AddDays(-89), new AuditEvent(AuditKinds.SignIn, "local", AuditOutcomes.Ok));
        await _table.AddEntityAsync(kept);

        var removed = await _server.Services.GetRequiredService<AuditSweeper>().SweepOnceAsync(CancellationToken.None);
        var again = await _server.Services.GetRequiredService<AuditSweeper>().SweepOnceAsync(CancellationToken.None);

        Assert.That(removed, Is.EqualTo(131));
        Assert.That(again, Is.Zero);
        Assert.That(await RowsAsync("sweep-old"), Is.Empty);
        Assert.That((await RowsAsync("sweep-mixed")).Select(r => r.RowKey), Is.EqualTo(new[] { kept.RowKey }));
    }

    [Test]
    public void A_full_queue_drops_and_counts_without_blocking_and_a_disabled_trail_records_nothing()
    {
        var tables = _server.Services.GetRequiredService<StorageTables>();
        // Not started, so nothing drains the queue.
        var full = new AuditTrail(tables, TimeProvider.System, Options.Create(new AuditOptions { QueueCapacity = 100 }), NullLogger<AuditTrail>.Instance);
        var off = new AuditTrail(tables, TimeProvider.System, Options.Create(new AuditOptions { Enabled = false }), NullLogger<AuditTrail>.Instance);

        for (var i = 0; i < 150; i++)
        {
            full.Record("queue-test", new AuditEvent(AuditKinds.ToolCall, "whoami", AuditOutcomes.Ok));
            off.Record("queue-test", new AuditEvent(AuditKinds.ToolCall, "whoami", AuditOutcomes.Ok));
        }

        Assert.That(full.Dropped, Is.EqualTo(50));
        Assert.That(off.Dropped, Is.Zero);
        Assert.That(off.FlushAsync(CancellationToken.None).IsCompleted, Is.True);
        Assert.That(full.FlushAsync(CancellationToken.None).IsCompleted, Is.False, "100 rows wait for a writer");
    }

    [Test]
    public async Task Tool_calls_gathered_in_one_pass_with_the_same_user_client_tool_and_outcome_are_one_row_with_their_count()
    {
        var tables = new StorageTables(new Lazy<TableServiceClient>(() => new TableServiceClient(TestRun.Azurite.ConnectionString)), Options.Create(new StorageOptions { TablePrefix = _prefix }));
        var audit = new AuditTrail(tables, TimeProvider.System, Options.Create(new AuditOptions()), NullLogger<AuditTrail>.Instance);
        foreach (var duration in new[] { 2.0, 4.0, 9.0 })
        {
            audit.Record("rollup", new AuditEvent(AuditKinds.ToolCall, "notes_add", AuditOutcomes.Ok) { ClientName = "A", DurationMs = duration });
        }

        audit.Record("rollup", new AuditEvent(AuditKinds.ToolCall, "notes_add", AuditOutcomes.ToolError) { ClientName = "A", DurationMs = 1 });
        audit.Record("rollup", new AuditEvent(AuditKinds.ToolCall, "notes_add", AuditOutcomes.Ok) { ClientName = "B", DurationMs = 1 });

        // Started only now, so its first pass finds all five events queued.
        await audit.StartAsync(CancellationToken.None);
        await audit.FlushAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        await audit.StopAsync(CancellationToken.None);

        var rows = await RowsAsync("rollup");
        var gathered = rows.Single(r => r.GetString("Outcome") == AuditOutcomes.Ok && r.GetString("ClientName") == "A");
        Assert.Multiple(() =>
        {
            Assert.That(rows, Has.Count.EqualTo(3), "one row per user, client, tool and outcome");
            Assert.That(gathered.GetInt32("Calls"), Is.EqualTo(3));
            Assert.That(gathered.GetDouble("DurationMs"), Is.EqualTo(5.0), "the mean");
            Assert.That(gathered.GetDouble("MaxDurationMs"), Is.EqualTo(9.0));
            Assert.That(rows.Where(r => r != gathered).Select(r => r.GetInt32("Calls")), Is.All.Null, "a single call's row has no count");
        });
    }

    [Test]
    public async Task Events_that_gather_while_the_writer_is_busy_are_written_one_transaction_per_partition_and_100_rows()
    {
        var log = new StorageRequestLog();
        var clients = log.ClientsFor(TestRun.Azurite.ConnectionString);
        var tables = new StorageTables(new Lazy<TableServiceClient>(clients.Tables), Options.Create(new StorageOptions { TablePrefix = _prefix }));
        var audit = new AuditTrail(tables, TimeProvider.System, Options.Create(new AuditOptions()), NullLogger<AuditTrail>.Instance);
        for (var i = 0; i < 150; i++)
        {
            audit.Record("batch-a", new AuditEvent(AuditKinds.SignIn, "local", AuditOutcomes.Ok));
        }

        audit.Record("batch-b", new AuditEvent(AuditKinds.SignIn, "local", AuditOutcomes.Ok));

        // Started only now, so its first pass finds all 151 rows queued.
        await audit.StartAsync(CancellationToken.None);
        await audit.FlushAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        await audit.StopAsync(CancellationToken.None);

        Assert.That(log.Requests.Count(r => r.Path.EndsWith("/$batch", StringComparison.Ordinal)), Is.EqualTo(3), "100 + 50 rows of one partition, 1 of the other");
        Assert.That(await RowsAsync("batch-a"), Has.Count.EqualTo(150));
        Assert.That(await RowsAsync("batch-b"), Has.Count.EqualTo(1));
    }

    [Test]
    public async Task With_Audit_Enabled_false_nothing_is_stored_and_the_account_page_shows_no_activity()
    {
        var prefix = "auditoff" + Guid.NewGuid().ToString("N")[..8];
        await using var server = new LoopbackServer(TestRun.Azurite.ConnectionString, new Dictionary<string, string?>
        {
            ["Auth:Mode"] = "LocalSignIn",
            ["Storage:TablePrefix"] = prefix,
            ["Audit:Enabled"] = "false",
        }).Start();
        using var http = server.CreateHttpClient();
        var clientId = await OAuthRequests.RegisterAsync(http, Callback, "Unaudited client");
        using var browser = new SignInBrowser();
        await browser.AuthorizeAsync(OAuthRequests.AuthorizeUrl(server.BaseAddress,
            OAuthRequests.AuthorizeParameters(server.BaseAddress, clientId, Callback, OAuthRequests.Pkce().Challenge)), "audit-off");

        await browser.GetAsync(new Uri(server.BaseAddress, "/account"));
        await server.Services.GetRequiredService<AuditTrail>().FlushAsync(CancellationToken.None);

        Assert.That(browser.LastPage, Does.Contain("Connected applications").And.Not.Contain("Recent activity"));
        var tables = new List<string>();
        await foreach (var table in new TableServiceClient(TestRun.Azurite.ConnectionString).QueryAsync(TableServiceClient.CreateQueryFilter($"TableName eq {prefix + StorageNames.Audit}")))
        {
            tables.Add(table.Name);
        }

        Assert.That(tables, Is.Empty, "no row was written, so the table was never created");
    }

    [Test]
    public void Retention_and_queue_capacity_out_of_range_are_refused_at_start()
    {
        var validator = new AuditOptionsValidator();

        Assert.That(validator.Validate(null, new AuditOptions()).Succeeded, Is.True);
        Assert.That(validator.Validate(null, new AuditOptions { Retention = TimeSpan.FromHours(1) }).FailureMessage, Does.Contain("Retention"));
        Assert.That(validator.Validate(null, new AuditOptions { QueueCapacity = 10 }).FailureMessage, Does.Contain("QueueCapacity"));
    }

    private Task FlushAsync() => _server.Services.GetRequiredService<AuditTrail>().FlushAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

    private async Task<List<TableEntity>> RowsAsync(string partitionKey)
    {
        var rows = new List<TableEntity>();
        await foreach (var row in _table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {partitionKey}")))
        {
            rows.Add(row);
        }

        return rows;
    }

    private async Task<List<TableEntity>> AllRowsAsync()
    {
        var rows = new List<TableEntity>();
        await foreach (var row in _table.QueryAsync<TableEntity>())
        {
            rows.Add(row);
        }

        return rows;
    }

    private static string[] Events(IEnumerable<TableEntity> rows) =>
        [.. rows.Select(r => $"{r.GetString("Kind")} {r.GetString("Action")} {r.GetString("Outcome")}")];

    private static int CountOf(string text, string value) => (text.Length - text.Replace(value, "", StringComparison.Ordinal).Length) / value.Length;

    private async Task<McpClient> ConnectAsync(string accessToken)
    {
        var transport = new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = _server.Url("/mcp"),
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = "Bearer " + accessToken },
        }, NullLoggerFactory.Instance);
        return await McpClient.CreateAsync(transport, new McpClientOptions
        {
            ProtocolVersion = Clients.SessionRevision,
            ClientInfo = new Implementation { Name = "Audit session client", Version = "1.0.0" },
        }, NullLoggerFactory.Instance);
    }

    private async Task<(HttpClient Http, string ClientId, JsonElement Tokens, SignInBrowser Browser)> SignInAsync(string user, string clientName)
    {
        var http = _server.CreateHttpClient();
        var clientId = await OAuthRequests.RegisterAsync(http, Callback, clientName);
        var (verifier, challenge) = OAuthRequests.Pkce();
        var browser = new SignInBrowser();
        var redirect = await browser.AuthorizeAsync(OAuthRequests.AuthorizeUrl(_server.BaseAddress,
            OAuthRequests.AuthorizeParameters(_server.BaseAddress, clientId, Callback, challenge)), user);
        var (status, tokens) = await OAuthRequests.ExchangeAsync(http, clientId, SignInBrowser.Parameters(redirect)["code"], verifier, Callback, _server.BaseAddress);
        Assert.That(status, Is.EqualTo(200), tokens.ToString());
        return (http, clientId, tokens, browser);
    }
}
