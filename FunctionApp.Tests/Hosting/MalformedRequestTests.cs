using System.Net;
using System.Net.Sockets;
using System.Text;
using McpFunctions.Hosting;
using McpFunctions.Tests.Fixtures;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace McpFunctions.Tests.Hosting;

/// <summary>Bad input at the HTTP level on /mcp and on the legacy /message endpoint: a 4xx with a JSON-RPC error, never a 500.</summary>
public sealed class MalformedRequestTests
{
    private HttpClient _http = null!;

    [SetUp]
    public void CreateClient() => _http = TestRun.Server.CreateHttpClient();

    [TearDown]
    public void DisposeClient() => _http.Dispose();

    private static long BodyLimit => TestRun.Server.Services.GetRequiredService<IOptions<HostingOptions>>().Value.MaxRequestBodyBytes;

    [Test]
    public void The_default_body_limit_is_4_MiB()
    {
        Assert.That(BodyLimit, Is.EqualTo(4 * 1024 * 1024));
    }

    [Test]
    public async Task Malformed_JSON_on_mcp_gets_400_with_a_JSON_RPC_error()
    {
        using var response = await _http.SendAsync(McpRequests.Post("/mcp", """{"jsonrpc":"2.0","id":1,"method":"""));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        var reply = await JsonRpcReply.ReadAsync(response);
        // JSON-RPC names -32700 (parse error) for this; the SDK answers -32600 (invalid request). Either tells the client.
        Assert.That(reply.ErrorCode, Is.AnyOf(-32700, -32600));
    }

    [Test]
    public async Task A_text_plain_body_on_mcp_gets_415()
    {
        using var response = await _http.SendAsync(McpRequests.Post("/mcp", McpRequests.Initialize, contentType: "text/plain"));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.UnsupportedMediaType));
        Assert.That((await JsonRpcReply.ReadAsync(response)).ErrorMessage, Does.Contain("application/json"));
    }

    [Test]
    public async Task A_body_without_Content_Type_on_mcp_gets_415()
    {
        using var response = await _http.SendAsync(McpRequests.Post("/mcp", McpRequests.Initialize, contentType: null));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.UnsupportedMediaType));
        await JsonRpcReply.ReadAsync(response);
    }

    [Test]
    public async Task Accept_without_text_event_stream_on_mcp_gets_406()
    {
        using var response = await _http.SendAsync(McpRequests.Post("/mcp", McpRequests.Initialize, accept: "application/json"));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotAcceptable));
        Assert.That((await JsonRpcReply.ReadAsync(response)).IsError);
    }

    [Test]
    public async Task An_unknown_method_in_a_session_gets_method_not_found()
    {
        var sessionId = (await RawSession.InitializeAsync(_http, _http.BaseAddress!)).SessionId;
        using var request = McpRequests.Post("/mcp", """{"jsonrpc":"2.0","id":7,"method":"notes/teleport","params":{}}""");
        request.Headers.Add("Mcp-Session-Id", sessionId);
        request.Headers.Add("MCP-Protocol-Version", Clients.SessionRevision);

        using var response = await _http.SendAsync(request);

        var reply = await JsonRpcReply.ReadAsync(response);
        Assert.That(reply.ErrorCode, Is.EqualTo(-32601));
        Assert.That(reply.Message.GetProperty("id").GetInt32(), Is.EqualTo(7));
    }

    [Test]
    public async Task An_unknown_method_from_a_stateless_client_gets_method_not_found()
    {
        const string body = """
            {"jsonrpc":"2.0","id":8,"method":"notes/teleport","params":{"_meta":{
              "io.modelcontextprotocol/protocolVersion":"2026-07-28",
              "io.modelcontextprotocol/clientCapabilities":{},
              "io.modelcontextprotocol/clientInfo":{"name":"McpFunctions.Tests","version":"1.0.0"}}}}
            """;
        using var request = McpRequests.Post("/mcp", body);
        request.Headers.Add("MCP-Protocol-Version", Clients.StatelessRevision);
        request.Headers.Add("Mcp-Method", "notes/teleport");

        using var response = await _http.SendAsync(request);

        Assert.That((int)response.StatusCode, Is.LessThan(500));
        Assert.That((await JsonRpcReply.ReadAsync(response)).ErrorCode, Is.EqualTo(-32601));
    }

    [Test]
    public async Task GET_mcp_without_a_session_id_gets_400()
    {
        using var response = await _http.SendAsync(McpRequests.Get("/mcp"), HttpCompletionOption.ResponseHeadersRead);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That((await JsonRpcReply.ReadAsync(response)).IsError);
    }

    [Test]
    public async Task A_POST_with_an_unknown_session_id_gets_404()
    {
        using var request = McpRequests.Post("/mcp", """{"jsonrpc":"2.0","id":3,"method":"tools/list"}""");
        request.Headers.Add("Mcp-Session-Id", "no-such-session");
        request.Headers.Add("MCP-Protocol-Version", Clients.SessionRevision);

        using var response = await _http.SendAsync(request);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That((await JsonRpcReply.ReadAsync(response)).IsError);
    }

    [TestCase("/mcp")]
    [TestCase("/message?sessionId=no-such-session")]
    public async Task A_body_over_the_limit_declared_by_Content_Length_gets_413_before_it_is_sent(string path)
    {
        // Expect: 100-continue, as curl sends for large bodies: the guard answers from the headers alone.
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = OversizedJson(chunked: false) };
        request.Headers.Add("Accept", McpRequests.AcceptBoth);
        request.Headers.ExpectContinue = true;

        using var response = await _http.SendAsync(request);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.RequestEntityTooLarge));
        Assert.That((await JsonRpcReply.ReadAsync(response)).ErrorMessage, Does.Contain(BodyLimit.ToString()));
    }

    [TestCase("/mcp")]
    [TestCase("/message?sessionId=no-such-session")]
    public async Task A_Content_Length_over_the_limit_gets_413_even_without_Expect_continue(string path)
    {
        // Only the headers go out: HttpClient would keep writing the body into a connection that Kestrel closes
        // (it cannot drain more than its limit) and report a broken pipe instead of the answer it was sent.
        var (status, body) = await RawRequestHeadAsync(
            $"POST {path} HTTP/1.1\r\nHost: {TestRun.Server.BaseAddress.Authority}\r\nContent-Type: application/json\r\n" +
            $"Accept: {McpRequests.AcceptBoth}\r\nContent-Length: {BodyLimit + 1}\r\n\r\n");

        Assert.That(status, Is.EqualTo(413));
        ResponseBody.AssertRevealsNoInternals(body);
        Assert.That(body, Does.Contain("-32000").And.Contain(BodyLimit.ToString()));
    }

    [Test]
    public async Task A_chunked_body_over_the_limit_on_mcp_gets_413_not_500()
    {
        // No Content-Length: the guard cannot refuse up front, so Kestrel's limit trips mid-read inside the SDK.
        using var request = new HttpRequestMessage(HttpMethod.Post, "/mcp") { Content = OversizedJson(chunked: true) };
        request.Headers.Add("Accept", McpRequests.AcceptBoth);

        using var response = await _http.SendAsync(request);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.RequestEntityTooLarge));
        Assert.That((await JsonRpcReply.ReadAsync(response)).IsError);
    }

    [Test]
    public async Task A_chunked_body_over_the_limit_on_a_live_legacy_session_gets_413_not_500()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await using var stream = await LegacySseProbe.OpenAsync(_http, _http.BaseAddress!, "malformed");

        using var response = await _http.PostAsync(stream.Endpoint, OversizedJson(chunked: true), cts.Token);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.RequestEntityTooLarge));
        Assert.That((await JsonRpcReply.ReadAsync(response)).IsError);
    }

    [Test]
    public async Task A_legacy_message_without_sessionId_gets_400()
    {
        using var response = await _http.SendAsync(McpRequests.Post("/message", """{"jsonrpc":"2.0","id":1,"method":"ping"}"""));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That((await JsonRpcReply.ReadAsync(response)).ErrorMessage, Does.Contain("sessionId"));
    }

    [Test]
    public async Task A_legacy_message_for_an_unknown_session_gets_404()
    {
        using var response = await _http.SendAsync(McpRequests.Post("/message?sessionId=no-such-session", """{"jsonrpc":"2.0","id":1,"method":"ping"}"""));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That((await JsonRpcReply.ReadAsync(response)).IsError);
    }

    [TestCase("""{"jsonrpc":"2.0","id":1,"method":""")]
    [TestCase("not json at all")]
    [TestCase("")]
    public async Task A_malformed_legacy_message_on_a_live_session_gets_400(string body)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await using var stream = await LegacySseProbe.OpenAsync(_http, _http.BaseAddress!, "malformed");

        using var response = await _http.SendAsync(McpRequests.Post(stream.Endpoint, body), cts.Token);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That((await JsonRpcReply.ReadAsync(response)).IsError);
    }

    [Test]
    public async Task A_text_plain_legacy_message_gets_415()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await using var stream = await LegacySseProbe.OpenAsync(_http, _http.BaseAddress!, "malformed");

        using var response = await _http.SendAsync(McpRequests.Post(stream.Endpoint, """{"jsonrpc":"2.0","id":1,"method":"ping"}""", contentType: "text/plain"), cts.Token);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.UnsupportedMediaType));
        await JsonRpcReply.ReadAsync(response);
    }

    /// <summary>Sends raw request bytes and reads until the server closes or the response is complete.</summary>
    private static async Task<(int Status, string Body)> RawRequestHeadAsync(string head)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(TestRun.Server.BaseAddress.Host, TestRun.Server.BaseAddress.Port, cts.Token);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head), cts.Token);

        var received = new MemoryStream();
        var buffer = new byte[8192];
        while (!cts.IsCancellationRequested)
        {
            var read = await stream.ReadAsync(buffer, cts.Token);
            if (read == 0)
            {
                break;
            }

            received.Write(buffer, 0, read);
            var sofar = Encoding.UTF8.GetString(received.ToArray());
            if (sofar.EndsWith("\r\n0\r\n\r\n", StringComparison.Ordinal))
            {
                break; // end of a chunked body
            }
        }

        var text = Encoding.UTF8.GetString(received.ToArray());
        var headEnd = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        Assert.That(text, Does.StartWith("HTTP/1.1 "), text);
        return (int.Parse(text.AsSpan(9, 3)), headEnd < 0 ? "" : text[(headEnd + 4)..]);
    }

    /// <summary>A syntactically fine initialize request just over the limit (a huge clientInfo.name).</summary>
    private static HttpContent OversizedJson(bool chunked)
    {
        var padding = new string('x', (int)BodyLimit + 16 * 1024);
        const string prefix = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},\"clientInfo\":{\"name\":\"";
        const string suffix = "\",\"version\":\"1\"}}}";
        var bytes = Encoding.UTF8.GetBytes(prefix + padding + suffix);
        HttpContent content = chunked ? new StreamContent(new UnknownLengthStream(bytes)) : new ByteArrayContent(bytes);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        return content;
    }

    /// <summary>A readable stream that will not tell its length, so HttpClient must send it chunked.</summary>
    private sealed class UnknownLengthStream(byte[] bytes) : MemoryStream(bytes, writable: false)
    {
        public override bool CanSeek => false;

        public override long Length => throw new NotSupportedException();
    }
}
