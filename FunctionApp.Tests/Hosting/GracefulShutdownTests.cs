using System.Net;
using McpFunctions.Tests.Fixtures;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace McpFunctions.Tests.Hosting;

/// <summary>What a client sees when the instance serving it stops (SIGTERM on scale-in or a deployment).</summary>
public sealed class GracefulShutdownTests
{
    [Test]
    public async Task An_open_notification_stream_ends_with_a_retry_hint_when_the_instance_stops()
    {
        var server = new LoopbackServer(TestRun.Azurite.ConnectionString).Start();
        using var http = server.CreateHttpClient();
        var session = await RawSession.InitializeAsync(http, server.BaseAddress);
        using var get = McpRequests.Get("/mcp");
        get.Headers.Add("Mcp-Session-Id", session.SessionId);
        get.Headers.Add("MCP-Protocol-Version", RawSession.Revision);
        using var stream = await http.SendAsync(get, HttpCompletionOption.ResponseHeadersRead);
        Assert.That(stream.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        using var reader = new StreamReader(await stream.Content.ReadAsStreamAsync());
        Assert.That(await reader.ReadLineAsync(), Does.StartWith("id:").Or.StartWith("event:").Or.StartWith("data:"), "the stream is open");

        var stopping = Task.Run(server.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication);
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var rest = await reader.ReadToEndAsync(guard.Token);
        await stopping;
        await server.DisposeAsync();

        Assert.That(rest, Does.Contain("retry: 500"), "the client is told to reconnect soon, to another instance");
    }

    [Test]
    public async Task Events_of_a_response_stream_still_waiting_to_be_stored_are_stored_when_the_instance_stops()
    {
        var prefix = "stop" + Guid.NewGuid().ToString("N")[..8];
        var server = new LoopbackServer(TestRun.Azurite.ConnectionString, new Dictionary<string, string?>
        {
            ["Storage:TablePrefix"] = prefix,
            ["Mcp:EventPersistDelay"] = "00:00:10",
            ["Hosting:ShutdownTimeout"] = "00:00:08",
        }).Start();
        using var http = server.CreateHttpClient();
        var session = await RawSession.InitializeAsync(http, server.BaseAddress);
        var entries = string.Join("\n---\n", Enumerable.Range(0, 400).Select(i => $"note {i}\nbody {i}"));
        await session.CallToolAsync(server.BaseAddress, "files_write", new { name = "many.txt", content = entries });
        using var import = McpRequests.Post("/mcp", System.Text.Json.JsonSerializer.Serialize(new
        {
            jsonrpc = "2.0",
            id = 77,
            method = "tools/call",
            @params = new { name = "notes_import", arguments = new { fileName = "many.txt" }, _meta = new { progressToken = "p1" } },
        }));
        import.Headers.Add("Mcp-Session-Id", session.SessionId);
        import.Headers.Add("MCP-Protocol-Version", RawSession.Revision);
        using var response = await http.SendAsync(import, HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        string? line;
        while ((line = await reader.ReadLineAsync()) is not null && !line.Contains("notifications/progress", StringComparison.Ordinal))
        {
        }

        Assert.That(line, Is.Not.Null, "a progress event arrived on the POST stream");
        server.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();

        // Response-stream rows only ("p|{stream}|{sequence}"; notifications are stored at once anyway). Well within the 10 s persist delay and before the 8 s shutdown timeout cuts the stream (which stores what
        // is left too): only the stop itself can have stored them by then.
        var table = new Azure.Data.Tables.TableServiceClient(TestRun.Azurite.ConnectionString).GetTableClient(prefix + "events");
        var stored = 0;
        for (var poll = 0; poll < 30 && stored == 0; poll++)
        {
            await foreach (var _ in table.QueryAsync<Azure.Data.Tables.TableEntity>($"PartitionKey eq '{session.SessionId}' and RowKey gt 'p|' and RowKey lt 'p~'"))
            {
                stored++;
            }

            if (stored == 0)
            {
                await Task.Delay(100);
            }
        }

        await server.DisposeAsync();
        Assert.That(stored, Is.GreaterThan(0), "the stream's events were stored, so the client can resume it elsewhere");
    }

    [Test]
    public void The_shutdown_timeout_is_bounded_and_configurable()
    {
        using var server = new LoopbackServer(TestRun.Azurite.ConnectionString, new Dictionary<string, string?> { ["Hosting:ShutdownTimeout"] = "00:00:07" });
        server.Start();

        Assert.That(server.Services.GetRequiredService<IOptions<HostOptions>>().Value.ShutdownTimeout, Is.EqualTo(TimeSpan.FromSeconds(7)));
    }
}
