using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using McpFunctions.Auth;
using McpFunctions.Tests.Fixtures;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace McpFunctions.Tests.Telemetry;

/// <summary>
/// The app's real exporters (OTLP, and Azure Monitor's), sending to a local receiver: MCP spans in their HTTP request's
/// trace, the SDK's metrics per tool and outcome, logs in their trace, and nowhere a token, a secret argument, a note's
/// title or a query string value.
/// </summary>
[NonParallelizable]
public sealed class TelemetryExportTests
{
    private const string Tenant = "5d1e0c2b-7a6f-4e3d-9c8b-1a2b3c4d5e00";
    private const string ClientId = "6e2f1d3c-8b7a-4f5e-9d0c-2b3c4d5e6f11";
    private const string UserId = "c3d4e5f6-a7b8-4c9d-8e0f-2a3b4c5d6e7f";

    [Test]
    public async Task A_tool_call_is_exported_as_an_MCP_span_in_its_request_trace_with_metrics_and_correlated_logs_and_no_secrets()
    {
        await using var receiver = TelemetryReceiver.Start();
        await using var issuer = await OidcIssuer.StartAsync();
        var workload = new Workload(issuer.Issue(Tenant, ClientId, UserId, string.Join(' ', McpScopes.All)));
        var server = StartServer(issuer, new Dictionary<string, string?>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.Endpoint.ToString(),
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            // Short export intervals, so the test waits milliseconds rather than the default 5 s and 60 s.
            ["OTEL_BSP_SCHEDULE_DELAY"] = "100",
            ["OTEL_BLRP_SCHEDULE_DELAY"] = "100",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "200",
        });
        try
        {
            var sessionId = await workload.RunAsync(server);
            await using (var stateless = await Clients.StatelessAsync(server))
            {
                Assert.That((await stateless.CallToolAsync("calculator_add", new Dictionary<string, object?> { ["a"] = 1, ["b"] = 2 })).IsError, Is.Not.True);
            }

            var setSpan = await receiver.WaitForAsync(r => r.Spans.FirstOrDefault(s => s.Name == "tools/call preferences_set"), "the preferences_set span");
            var getSpan = await receiver.WaitForAsync(r => r.Spans.FirstOrDefault(s => s.Name == "tools/call preferences_get"), "the preferences_get span");
            var spans = await receiver.WaitForAsync(r => r.Spans.Any(s => s.Name == "GET /" && s.TraceId != setSpan.TraceId) ? r.Spans.ToList() : null, "the GET / span");
            var statelessCall = await receiver.WaitForAsync(r => r.Spans.FirstOrDefault(s => s.Name == "tools/call calculator_add"), "the stateless call's span");
            var elicitation = spans.FirstOrDefault(s => s.Name == "elicitation/create" && s.Scope == "Experimental.ModelContextProtocol" && s.TraceId != "" && s["mcp.session.id"] == sessionId);
            // The SDK makes the MCP span a child of the client's span when the client sends one in _meta (this
            // in-process client does), and links it to the HTTP request's span; without one, the request is its parent.
            var request = spans.Single(s => s.SpanId == setSpan.ParentSpanId || setSpan.LinkedSpanIds.Contains(s.SpanId));

            Assert.Multiple(() =>
            {
                Assert.That(setSpan.Scope, Is.EqualTo("Experimental.ModelContextProtocol"), "the MCP SDK's own span");
                Assert.That(setSpan.Kind, Is.EqualTo(ReceivedSpan.ServerKind));
                Assert.That(setSpan["mcp.method.name"], Is.EqualTo("tools/call"));
                Assert.That(setSpan["gen_ai.tool.name"], Is.EqualTo("preferences_set"));
                Assert.That(setSpan["mcp.session.id"], Is.EqualTo(sessionId), "the session id the client holds, not the SDK's own");
                Assert.That(setSpan["jsonrpc.request.id"], Is.Not.Null.And.Not.Empty);
                Assert.That(setSpan["error.type"], Is.Null, "success has no error type");
                Assert.That(request.Name, Is.EqualTo("POST /mcp/"));
                Assert.That(request.Kind, Is.EqualTo(ReceivedSpan.ServerKind));
                Assert.That(request.TraceId, Is.EqualTo(setSpan.TraceId), "one trace per MCP call");
                Assert.That(spans.Where(s => s.TraceId == setSpan.TraceId).Select(s => s.Scope), Has.Some.StartsWith("Azure."),
                    "the Azure SDK's storage calls are in the tool call's trace");
                Assert.That(elicitation, Is.Not.Null, "the server's request to the client carries the session id too");
                Assert.That(statelessCall["mcp.session.id"], Is.Null, "a request served without a session has no session id");
                Assert.That(getSpan["error.type"], Is.EqualTo("tool_error"));
                Assert.That(getSpan.StatusCode, Is.EqualTo(ReceivedSpan.ErrorStatus));
                Assert.That(getSpan.StatusMessage, Is.Empty, "the tool's error text stays out of the span");
                Assert.That(spans.Where(s => s.Attributes.ContainsKey("url.query")), Is.Empty);
            });

            // Metrics are exported every 200 ms, each export holding the series seen so far: wait for the export that
            // holds preferences_get, the last call, rather than for any two points (notes_add's could come first).
            var toolPoints = await receiver.WaitForAsync(
                r => r.MetricPoints.Where(p => p.Metric == "mcp.server.operation.duration" && p["mcp.method.name"] == "tools/call").ToList()
                    is var points && points.Any(p => p["gen_ai.tool.name"] == "preferences_get") ? points : null,
                "mcp.server.operation.duration for preferences_get");
            await receiver.WaitForAsync(r => r.MetricPoints.FirstOrDefault(p => p.Metric == "http.server.request.duration"), "ASP.NET Core's request duration");
            await receiver.WaitForAsync(r => r.MetricPoints.FirstOrDefault(p => p.Metric == "mcpfunctions.sessions.started" && p["mcpfunctions.session.transport"] == "streamable"), "the app's session counter");
            var sessionStarted = await receiver.WaitForAsync(r => r.Logs.FirstOrDefault(l => l.Body.StartsWith("Session {SessionId} started", StringComparison.Ordinal)), "the session start log");

            Assert.Multiple(() =>
            {
                Assert.That(toolPoints.Any(p => p["gen_ai.tool.name"] == "preferences_set" && p["error.type"] is null), "calls per tool, successful");
                Assert.That(toolPoints.Any(p => p["gen_ai.tool.name"] == "preferences_get" && p["error.type"] == "tool_error"), "calls per tool, failed");
                Assert.That(spans.Where(s => s.Name == "initialize").Select(s => s.TraceId), Does.Contain(sessionStarted.TraceId), "the log is in the initialize request's trace");
            });
        }
        finally
        {
            // Shutting the app down flushes every exporter, so the scan below sees everything it would ever send.
            await server.DisposeAsync();
        }

        Assert.That(receiver.Received.Select(r => r.Path).Distinct(), Is.EquivalentTo(new[] { "/v1/traces", "/v1/metrics", "/v1/logs" }));
        workload.AssertNotIn(receiver);
    }

    [Test]
    public async Task Azure_Monitor_receives_the_tool_calls_as_requests_with_their_storage_calls_logs_and_metrics_and_no_secrets()
    {
        await using var receiver = TelemetryReceiver.Start();
        await using var issuer = await OidcIssuer.StartAsync();
        var workload = new Workload(issuer.Issue(Tenant, ClientId, UserId, string.Join(' ', McpScopes.All)));
        // The instrumentation key alone (no APPLICATIONINSIGHTS_AUTHENTICATION_STRING): a managed identity is not
        // reachable from a test, and the connection string is all that differs.
        var server = StartServer(issuer, new Dictionary<string, string?>
        {
            ["APPLICATIONINSIGHTS_CONNECTION_STRING"] = $"InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint={receiver.Endpoint}",
        });
        try
        {
            await workload.RunAsync(server);
            // The exporter sends spans and logs every 5 s; metrics every minute, and on shutdown.
            await receiver.WaitForAsync(r => r.TrackedItems.FirstOrDefault(i => (string?)i["data"]?["baseData"]?["name"] == "tools/call preferences_get"), "the preferences_get request");
            await receiver.WaitForAsync(r => r.TrackedItems.FirstOrDefault(i => (string?)i["data"]?["baseType"] == "MessageData"), "a log");
        }
        finally
        {
            await server.DisposeAsync();
        }

        var items = receiver.TrackedItems.ToList();
        var requests = items.Where(i => (string?)i["data"]?["baseType"] == "RequestData").Select(i => i["data"]!["baseData"]!).ToList();
        var setCall = requests.FirstOrDefault(r => (string?)r["name"] == "tools/call preferences_set");
        var getCall = requests.FirstOrDefault(r => (string?)r["name"] == "tools/call preferences_get");
        Assert.Multiple(() =>
        {
            Assert.That(setCall, Is.Not.Null, "the MCP span is a request");
            Assert.That((string?)setCall?["properties"]?["gen_ai.tool.name"], Is.EqualTo("preferences_set"));
            Assert.That((bool?)setCall?["success"], Is.True);
            Assert.That((bool?)getCall?["success"], Is.False, "an isError result is a failed request");
            Assert.That(items.Select(i => (string?)i["data"]?["baseType"]), Does.Contain("RemoteDependencyData"), "the storage calls");
            Assert.That(items.Where(i => (string?)i["data"]?["baseType"] == "RemoteDependencyData" && i["tags"]?["ai.operation.parentId"] is null), Is.Empty,
                "background work's storage calls are not traced (the exporter's own sampler is replaced)");
            Assert.That(items.Select(i => (string?)i["data"]?["baseType"]), Does.Contain("MessageData"), "the logs");
            Assert.That(items.Select(i => (string?)i["data"]?["baseType"]), Does.Contain("MetricData"), "the metrics");
        });
        workload.AssertNotIn(receiver);
    }

    private static LoopbackServer StartServer(OidcIssuer issuer, Dictionary<string, string?> settings)
    {
        // Every level of the SDK's logs, so the scan covers what an operator who turns them on would export (at Trace
        // it logs whole messages, which must stay on the console).
        settings["Logging:LogLevel:ModelContextProtocol"] = "Trace";
        settings["AzureAd:Instance"] = issuer.Instance;
        settings["AzureAd:TenantId"] = Tenant;
        settings["AzureAd:ClientId"] = ClientId;
        return new LoopbackServer(TestRun.Azurite.ConnectionString, settings,
            services => services.Configure<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme, o => o.RequireHttpsMetadata = false)).Start();
    }

    /// <summary>
    /// Tool calls with a recognisable secret as an argument (one of them failing with an error text that quotes it),
    /// made with a bearer token, and requests whose query strings carry recognisable values.
    /// </summary>
    private sealed class Workload(string token)
    {
        private readonly string _secret = "Tel0Secret" + Guid.NewGuid().ToString("N");
        private readonly string _queryValue = "Tel0Query" + Guid.NewGuid().ToString("N");

        /// <returns>The session id the client held.</returns>
        public async Task<string?> RunAsync(LoopbackServer server)
        {
            string? sessionId;
            await using (var client = await McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions
            {
                Endpoint = server.Url("/mcp"),
                TransportMode = HttpTransportMode.StreamableHttp,
                AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = $"Bearer {token}" },
            }), new McpClientOptions { ProtocolVersion = Clients.SessionRevision, Handlers = new McpClientHandlers { ElicitationHandler = Decline } }))
            {
                sessionId = client.SessionId;
                // A note titled with the secret, then a request from the server to the client (the confirmation).
                var added = await client.CallToolAsync("notes_add", new Dictionary<string, object?> { ["title"] = _secret });
                var deleteAll = await client.CallToolAsync("notes_delete_all");
                Assert.That(added.IsError, Is.Not.True, added.Text());
                Assert.That(deleteAll.Text(), Does.StartWith("Not confirmed"));
                var set = await client.CallToolAsync("preferences_set", new Dictionary<string, object?> { ["key"] = "colour", ["value"] = _secret });
                // Not found: the error text the tool returns quotes the key.
                var get = await client.CallToolAsync("preferences_get", new Dictionary<string, object?> { ["key"] = _secret });
                Assert.That(set.IsError, Is.Not.True, set.Text());
                Assert.That(get.IsError, Is.True);
                Assert.That(get.Text(), Does.Contain(_secret), "the failure quotes the argument, so the scan means something");
            }

            // Query strings: the legacy transport's session id, and OAuth-style parameters.
            using var http = server.CreateHttpClient();
            using var message = new HttpRequestMessage(HttpMethod.Post, $"/message?sessionId={_queryValue}") { Content = new StringContent("{}", Encoding.UTF8, "application/json") };
            message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            (await http.SendAsync(message)).Dispose();
            (await http.GetAsync($"/?code={_queryValue}&state={_queryValue}")).Dispose();
            return sessionId;
        }

        private static ValueTask<ElicitResult> Decline(ElicitRequestParams? request, CancellationToken cancellationToken) =>
            ValueTask.FromResult(new ElicitResult { Action = "decline" });

        public void AssertNotIn(TelemetryReceiver receiver)
        {
            var exported = receiver.Received.Select(r => (r.Path, Text: Encoding.UTF8.GetString(r.Body))).ToList();
            Assert.That(exported, Is.Not.Empty);
            var parts = token.Split('.');
            Assert.Multiple(() =>
            {
                foreach (var (path, text) in exported)
                {
                    Assert.That(text, Does.Not.Contain(_secret), $"{path}: the secret argument");
                    Assert.That(text, Does.Not.Contain(_queryValue), $"{path}: a query string value");
                    Assert.That(text, Does.Not.Contain(parts[1]), $"{path}: the bearer token's claims");
                    Assert.That(text, Does.Not.Contain(parts[2]), $"{path}: the bearer token's signature");
                }
            });
        }
    }
}
