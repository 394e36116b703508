using System.Net;
using System.Text.Json.Nodes;
using McpFunctions.Tests.Fixtures;

namespace McpFunctions.Tests.Mcp;

/// <summary>
/// A generated corpus: every parameter of the requests a client can send (tool arguments, resource URIs, prompt
/// names, cursors, levels, completion references) and the JSON-RPC envelope itself, each replaced by every value of
/// the wrong kind (numbers, text, lists, objects, null, a lone surrogate, a control character, 100,000 characters,
/// nesting past the reader's depth limit). Every answer is a 4xx or a JSON-RPC error or tool error that says what is
/// wrong: never a 5xx, never the generic "An error occurred.".
/// </summary>
[NonParallelizable]
public sealed class GeneratedHostileInputTests
{
    private static readonly (string Name, string Json)[] BadValues =
    [
        ("a number", "5"),
        ("a huge number", "-1e308"),
        ("text", "\"x\""),
        ("empty text", "\"\""),
        ("a list", "[1,\"a\"]"),
        ("an object", "{\"a\":{\"b\":1}}"),
        ("null", "null"),
        ("true", "true"),
        ("a lone surrogate", "\"a\\ud800\""),
        ("a NUL character", "\"a\\u0000b\""),
        ("100,000 characters", "\"" + new string('y', 100_000) + "\""),
        ("nesting 200 deep", new string('[', 200) + new string(']', 200)),
    ];

    /// <summary>Each request as method, params template, and the path of the parameter to replace.</summary>
    private static readonly (string Method, string Params, string Path)[] Targets =
    [
        ("tools/call", """{"name":"notes_add","arguments":{"title":"t","body":"b"}}""", "arguments.title"),
        ("tools/call", """{"name":"notes_add","arguments":{"title":"t","body":"b"}}""", "arguments.body"),
        ("tools/call", """{"name":"notes_add","arguments":{"title":"t","tags":["a"]}}""", "arguments.tags"),
        ("tools/call", """{"name":"notes_add","arguments":{"title":"t","idempotencyKey":"k"}}""", "arguments.idempotencyKey"),
        ("tools/call", """{"name":"notes_get","arguments":{"id":"x"}}""", "arguments.id"),
        ("tools/call", """{"name":"notes_list","arguments":{"pageSize":5}}""", "arguments.pageSize"),
        ("tools/call", """{"name":"notes_list","arguments":{"cursor":"c"}}""", "arguments.cursor"),
        ("tools/call", """{"name":"notes_search","arguments":{"text":"x"}}""", "arguments.text"),
        ("tools/call", """{"name":"files_read","arguments":{"name":"a.txt"}}""", "arguments.name"),
        ("tools/call", """{"name":"files_write","arguments":{"name":"a.txt","content":"c","encoding":"text"}}""", "arguments.encoding"),
        ("tools/call", """{"name":"preferences_set","arguments":{"key":"k","value":"v"}}""", "arguments.value"),
        ("tools/call", """{"name":"calculator_add","arguments":{"a":1,"b":2}}""", "arguments.a"),
        ("tools/call", """{"name":"session_increment","arguments":{"key":"k","by":1}}""", "arguments.by"),
        ("tools/call", """{"name":"whoami","arguments":{}}""", "name"),
        ("tools/call", """{"name":"whoami","arguments":{}}""", "arguments"),
        ("resources/read", """{"uri":"files:///a.txt"}""", "uri"),
        ("resources/subscribe", """{"uri":"files:///a.txt"}""", "uri"),
        ("prompts/get", """{"name":"draft_note","arguments":{"topic":"t"}}""", "name"),
        ("prompts/get", """{"name":"draft_note","arguments":{"topic":"t"}}""", "arguments"),
        ("completion/complete", """{"ref":{"type":"ref/prompt","name":"summarize_notes"},"argument":{"name":"tag","value":"a"}}""", "ref"),
        ("completion/complete", """{"ref":{"type":"ref/prompt","name":"summarize_notes"},"argument":{"name":"tag","value":"a"}}""", "argument.value"),
        ("logging/setLevel", """{"level":"info"}""", "level"),
        ("tools/list", """{"cursor":"c"}""", "cursor"),
        ("resources/list", """{"cursor":"c"}""", "cursor"),
        ("prompts/list", """{"cursor":"c"}""", "cursor"),
    ];

    private static readonly (string Name, string Body)[] Envelopes =
    [
        ("id an object", """{"jsonrpc":"2.0","id":{"a":1},"method":"ping"}"""),
        ("id a list", """{"jsonrpc":"2.0","id":[1],"method":"ping"}"""),
        ("id a boolean", """{"jsonrpc":"2.0","id":true,"method":"ping"}"""),
        ("id 100,000 characters", "{\"jsonrpc\":\"2.0\",\"id\":\"" + new string('i', 100_000) + "\",\"method\":\"ping\"}"),
        ("method a number", """{"jsonrpc":"2.0","id":1,"method":5}"""),
        ("method unknown", """{"jsonrpc":"2.0","id":1,"method":"no/such"}"""),
        ("method empty", """{"jsonrpc":"2.0","id":1,"method":""}"""),
        ("jsonrpc 1.0", """{"jsonrpc":"1.0","id":1,"method":"ping"}"""),
        ("jsonrpc missing", """{"id":1,"method":"ping"}"""),
        ("a batch", """[{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","id":2,"method":"ping"}]"""),
        ("an empty batch", "[]"),
        ("a bare number", "5"),
        ("null", "null"),
        ("a response with no request", """{"jsonrpc":"2.0","id":99,"result":{}}"""),
        ("an error with no request", """{"jsonrpc":"2.0","id":99,"error":{"code":1,"message":"x"}}"""),
        ("params a number", """{"jsonrpc":"2.0","id":1,"method":"tools/list","params":5}"""),
        ("nesting 200 deep in params", "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":{\"x\":" + new string('[', 200) + new string(']', 200) + "}}"),
        ("truncated", """{"jsonrpc":"2.0","id":1,"meth"""),
        ("trailing garbage", """{"jsonrpc":"2.0","id":1,"method":"ping"} x"""),
        ("a property named twice", """{"jsonrpc":"2.0","id":1,"method":"ping","method":"tools/list"}"""),
    ];

    private LoopbackServer _server = null!;
    private HttpClient _http = null!;
    private RawSession _session = null!;

    public static IEnumerable<TestCaseData> Cases()
    {
        foreach (var (method, template, path) in Targets)
        {
            foreach (var (name, json) in BadValues)
            {
                var parameters = JsonNode.Parse(template)!.AsObject();
                Replace(parameters, path, json);
                var body = $$"""{"jsonrpc":"2.0","id":42,"method":"{{method}}","params":{{parameters.ToJsonString().Replace("\"@@BAD@@\"", json)}}}""";
                yield return new TestCaseData(body).SetName($"{method} {template[..Math.Min(30, template.Length)].Replace('.', '_')} {path} as {name}".Replace('(', '[').Replace(')', ']'));
            }
        }

        foreach (var (name, body) in Envelopes)
        {
            yield return new TestCaseData(body).SetName($"envelope: {name}");
        }
    }

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        // A server of its own: the corpus writes notes and preferences under the local developer.
        _server = new LoopbackServer(TestRun.Azurite.ConnectionString, new Dictionary<string, string?> { ["Storage:TablePrefix"] = "corpus" }).Start();
        _http = _server.CreateHttpClient();
        _session = await RawSession.InitializeAsync(_http, _server.BaseAddress);
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
    }

    [TestCaseSource(nameof(Cases))]
    public async Task Every_bad_value_gets_a_clear_answer_and_never_a_5xx(string body)
    {
        var errorsBefore = _server.Errors.Entries.Count;
        using var request = McpRequests.Post("/mcp", body);
        request.Headers.Add("Mcp-Session-Id", _session.SessionId);
        request.Headers.Add("MCP-Protocol-Version", RawSession.Revision);

        using var response = await _http.SendAsync(request);
        var answer = await response.Content.ReadAsStringAsync();

        Assert.That((int)response.StatusCode, Is.LessThan(500), Shorten(answer));
        Assert.That(answer, Does.Not.Contain("\"message\":\"An error occurred.\"").And.Not.Match("An error occurred invoking '[a-z_]+'\\.\""), Shorten(answer));
        Assert.That(_server.Errors.Entries.Skip(errorsBefore), Is.Empty, "a client's bad input is not a server error");
        if (response.StatusCode == HttpStatusCode.OK && answer.Contains("\"error\"", StringComparison.Ordinal))
        {
            Assert.That(answer, Does.Match("\"code\":-32[0-9]{3}"), "a JSON-RPC error code");
        }
    }

    private static void Replace(JsonObject parameters, string path, string json)
    {
        var parts = path.Split('.');
        var node = parameters;
        foreach (var part in parts[..^1])
        {
            node = node[part]!.AsObject();
        }

        // A placeholder, swapped for the raw JSON afterwards: some bad values (a lone surrogate, 200-deep nesting)
        // cannot be held by JsonNode at all.
        node[parts[^1]] = "@@BAD@@";
    }

    private static string Shorten(string text) => text.Length > 400 ? text[..400] + "…" : text;
}
