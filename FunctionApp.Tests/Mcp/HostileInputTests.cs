using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using McpFunctions.Tests.Fixtures;

namespace McpFunctions.Tests.Mcp;

/// <summary>
/// Hostile and malformed protocol input sent by hand over HTTP, in both transports' modes: every answer is a clear
/// 4xx or JSON-RPC error that names what is wrong, never a 5xx, never a generic "An error occurred".
/// </summary>
public sealed class HostileInputTests
{
    private const string Session = "2025-11-25";
    private const string Stateless = "2026-07-28";

    public sealed record Case(string Name, string Revision, string Body, string? Expect, string? SessionId = null, bool InSession = false)
    {
        public override string ToString() => Name;
    }

    private static readonly string Big = new('x', 200_000);

    public static IEnumerable<Case> Cases()
    {
        // initialize with malformed or oversized parameters
        yield return new("initialize params a string", Session, """{"jsonrpc":"2.0","id":1,"method":"initialize","params":"x"}""", "params");
        // The SDK initializes with defaults when params are absent: an answer, not a fault.
        yield return new("initialize without params", Session, """{"jsonrpc":"2.0","id":1,"method":"initialize"}""", null);
        yield return new("initialize protocolVersion a number", Session, """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":5,"capabilities":{},"clientInfo":{"name":"a","version":"1"}}}""", "protocolVersion");
        yield return new("initialize capabilities a string", Session, """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":"no","clientInfo":{"name":"a","version":"1"}}}""", "capabilities");
        yield return new("initialize clientInfo name a number", Session, """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":5,"version":"1"}}}""", "name");
        yield return new("initialize clientInfo missing", Session, """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{}}}""", "clientInfo");
        yield return new("initialize oversized clientInfo", Session, """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"BIG","version":"1"}}}""".Replace("BIG", Big), null);
        // initialize again inside a session
        yield return new("initialize inside a session", Session, """{"jsonrpc":"2.0","id":9,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"a","version":"1"}}}""", "initialize", InSession: true);
        // session ids that cannot be a storage key
        yield return new("session id with a slash", Session, """{"jsonrpc":"2.0","id":2,"method":"tools/list"}""", null, SessionId: "abc/def");
        yield return new("session id of 20,000 characters", Session, """{"jsonrpc":"2.0","id":2,"method":"tools/list"}""", null, SessionId: new string('s', 20_000));
        yield return new("session id with a backslash and hash", Session, """{"jsonrpc":"2.0","id":2,"method":"tools/list"}""", null, SessionId: "a\\b#c?d");
        // mistyped protocol parameters
        foreach (var (revision, inSession) in new[] { (Session, true), (Stateless, false) })
        {
            var tag = revision == Session ? "session" : "stateless";
            foreach (var mistyped in Mistyped(tag, revision, inSession))
            {
                // 2026-07-28 requests carry their revision in params._meta as well.
                yield return revision == Stateless
                    ? mistyped with { Body = (mistyped.Body.Contains("\"params\":{}", StringComparison.Ordinal)
                        ? mistyped.Body.Replace("\"params\":{}", "\"params\":{\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\",\"io.modelcontextprotocol/clientCapabilities\":{}}}")
                        : mistyped.Body.Replace("\"params\":{\"", "\"params\":{\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\",\"io.modelcontextprotocol/clientCapabilities\":{}},\"")) }
                    : mistyped;
            }
        }

        yield return new("stateless: _meta named twice", Stateless, """{"jsonrpc":"2.0","id":8,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"},"_meta":{}}}""", "twice");
        yield return new("logging/setLevel level unknown", Session, """{"jsonrpc":"2.0","id":6,"method":"logging/setLevel","params":{"level":"loud"}}""", "level", InSession: true);
        // A number is read as the level of that rank (System.Text.Json's enum rule), which is an answer, not a fault.
        yield return new("logging/setLevel level a number", Session, """{"jsonrpc":"2.0","id":6,"method":"logging/setLevel","params":{"level":5}}""", null, InSession: true);
        yield return new("session_increment on a text value", Session, """{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"session_increment","arguments":{"key":"text"}}}""", "holds text", InSession: true);
    }

    private static IEnumerable<Case> Mistyped(string tag, string revision, bool inSession)
    {
        {
            yield return new($"{tag}: tools/call name a number", revision, """{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":5}}""", "name", InSession: inSession);
            yield return new($"{tag}: tools/call name missing", revision, """{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{}}""", "name", InSession: inSession);
            yield return new($"{tag}: tools/call arguments a string", revision, """{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"whoami","arguments":"x"}}""", "arguments", InSession: inSession);
            yield return new($"{tag}: tools/call arguments an array", revision, """{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"whoami","arguments":[1]}}""", "arguments", InSession: inSession);
            yield return new($"{tag}: tools/call params a string", revision, """{"jsonrpc":"2.0","id":3,"method":"tools/call","params":"x"}""", revision == Session ? "params" : null, InSession: inSession);
            yield return new($"{tag}: resources/read uri a number", revision, """{"jsonrpc":"2.0","id":4,"method":"resources/read","params":{"uri":5}}""", "uri", InSession: inSession);
            yield return new($"{tag}: prompts/get name a number", revision, """{"jsonrpc":"2.0","id":4,"method":"prompts/get","params":{"name":5}}""", "name", InSession: inSession);
            yield return new($"{tag}: lone high surrogate in an argument", revision, """{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"notes_add","arguments":{"title":"a\ud800b"}}}""", "Unicode", InSession: inSession);
            yield return new($"{tag}: lone low surrogate in an argument", revision, """{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"preferences_set","arguments":{"key":"k","value":"\udc00"}}}""", "Unicode", InSession: inSession);
        }
    }

    [TestCaseSource(nameof(Cases))]
    public async Task A_hostile_request_gets_a_clear_4xx_or_JSON_RPC_error(Case hostile)
    {
        using var http = TestRun.Server.CreateHttpClient();
        http.Timeout = TimeSpan.FromSeconds(60);
        string? sessionId = hostile.SessionId;
        if (hostile.InSession)
        {
            var session = await RawSession.InitializeAsync(http, TestRun.Server.BaseAddress);
            sessionId = session.SessionId;
            using var set = McpRequests.Post("/mcp", """{"jsonrpc":"2.0","id":70,"method":"tools/call","params":{"name":"session_set","arguments":{"key":"text","value":"abc"}}}""");
            set.Headers.Add("Mcp-Session-Id", sessionId);
            set.Headers.Add("MCP-Protocol-Version", Session);
            using var _ = await http.SendAsync(set);
        }

        using var request = McpRequests.Post("/mcp", hostile.Body);
        request.Headers.Add("MCP-Protocol-Version", hostile.Revision);
        if (hostile.Revision == Stateless && JsonDocument.Parse(hostile.Body).RootElement.GetProperty("method").GetString() is { } method)
        {
            // 2026-07-28 requests repeat their method in a header.
            request.Headers.Add("Mcp-Method", method);
            if (JsonDocument.Parse(hostile.Body).RootElement.TryGetProperty("params", out var p) && p.ValueKind == JsonValueKind.Object
                && (p.TryGetProperty("name", out var n) || p.TryGetProperty("uri", out n)))
            {
                request.Headers.TryAddWithoutValidation("Mcp-Name", n.ToString());
            }
        }
        if (sessionId is not null)
        {
            request.Headers.TryAddWithoutValidation("Mcp-Session-Id", sessionId);
        }

        var errorsBefore = TestRun.Server.Errors.Entries.Count;
        var clock = Stopwatch.StartNew();
        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        clock.Stop();
        TestContext.Out.WriteLine($"{hostile.Name}: {(int)response.StatusCode} in {clock.ElapsedMilliseconds} ms: {(body.Length > 600 ? body[..600] : body).Replace("\n", " ")}");

        foreach (var entry in TestRun.Server.Errors.Entries.Skip(errorsBefore))
        {
            TestContext.Out.WriteLine("SERVER ERROR: " + entry);
        }

        Assert.That((int)response.StatusCode, Is.LessThan(500), body);
        Assert.That(body, Does.Not.Contain("An error occurred.").And.Not.Contain("An error occurred invoking 'notes_add'.\"").And.Not.Contain("An error occurred invoking 'preferences_set'.\""));
        if (hostile.Expect is not null)
        {
            Assert.That(body, Does.Contain(hostile.Expect).IgnoreCase);
        }
    }

    [Test]
    public async Task Expected_user_errors_are_not_logged_as_errors()
    {
        await using var server = new LoopbackServer(TestRun.Azurite.ConnectionString).Start();
        await using var client = await Clients.StreamableAsync(server);

        var answers = new[]
        {
            await client.CallToolAsync("files_read", new Dictionary<string, object?> { ["name"] = "no-such-file.txt" }),
            await client.CallToolAsync("notes_get", new Dictionary<string, object?> { ["id"] = "not an id" }),
            await client.CallToolAsync("calculator_divide", new Dictionary<string, object?> { ["a"] = 1, ["b"] = 0 }),
            await client.CallToolAsync("session_set", new Dictionary<string, object?> { ["key"] = "t", ["value"] = "text" }),
            await client.CallToolAsync("session_increment", new Dictionary<string, object?> { ["key"] = "t" }),
        };
        using var http = server.CreateHttpClient();
        using var badHeader = McpRequests.Post("/mcp", McpRequests.Initialize);
        badHeader.Headers.Add("X-Local-Developer", "Not Valid!");
        using var refused = await http.SendAsync(badHeader);

        Assert.That(answers.Where(a => a.IsError == true).Count(), Is.EqualTo(4));
        Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(await refused.Content.ReadAsStringAsync(), Does.Contain("X-Local-Developer must be"), "the header is named, not the address");
        Assert.That(server.Errors.Entries, Is.Empty);
    }
}
