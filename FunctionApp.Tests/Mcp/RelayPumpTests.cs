using System.Diagnostics;
using System.Net;
using System.Net.ServerSentEvents;
using System.Text;
using System.Text.Json;
using McpFunctions.Hosting;
using McpFunctions.Tests.Fixtures;

namespace McpFunctions.Tests.Mcp;

/// <summary>The relay pump's polling cadence, with two in-process instances sharing the run's Azurite.</summary>
[NonParallelizable]
public sealed class RelayPumpTests
{
    [Test]
    public async Task An_idle_instance_that_starts_holding_a_stream_polls_its_inbox_at_once()
    {
        // The holder's idle interval is far longer than the test may take: a relayed message is only answered in
        // time if attaching the stream moved the pump out of its idle wait.
        await using var holder = new LoopbackServer(TestRun.Azurite.ConnectionString, new Dictionary<string, string?>
        {
            ["Mcp:RelayIdlePollInterval"] = "00:00:50",
            ["Mcp:RelayPollInterval"] = "00:00:00.050",
        }).Start();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(20) };
        using (await http.GetAsync(holder.Url("/healthz")))
        {
        }

        await Task.Delay(DeferredBackgroundWork.Delay + TimeSpan.FromSeconds(1)); // the pump has started, polled once and is waiting idle

        using var stream = await http.SendAsync(new HttpRequestMessage(HttpMethod.Get, holder.Url("/sse")) { Headers = { { "Accept", "text/event-stream" } } }, HttpCompletionOption.ResponseHeadersRead);
        var events = SseParser.Create(await stream.Content.ReadAsStreamAsync()).EnumerateAsync().GetAsyncEnumerator();
        Assert.That(await events.MoveNextAsync() && events.Current.EventType == "endpoint", Is.True);
        var endpoint = events.Current.Data;

        async Task<double> RoundTripAsync(Uri target, int id, string body)
        {
            var clock = Stopwatch.StartNew();
            using var post = await http.PostAsync(new Uri(target, endpoint), new StringContent(body, Encoding.UTF8, "application/json"));
            Assert.That(post.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
            while (await events.MoveNextAsync())
            {
                if (!string.IsNullOrEmpty(events.Current.Data) && JsonDocument.Parse(events.Current.Data).RootElement.TryGetProperty("id", out var replyId) && replyId.GetInt32() == id)
                {
                    return clock.Elapsed.TotalMilliseconds;
                }
            }

            throw new AssertionException("The stream ended before the reply.");
        }

        await RoundTripAsync(holder.BaseAddress, 1, """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2024-11-05","capabilities":{},"clientInfo":{"name":"pump-probe","version":"1"}}}""");
        using (await http.PostAsync(new Uri(holder.BaseAddress, endpoint), new StringContent("""{"jsonrpc":"2.0","method":"notifications/initialized"}""", Encoding.UTF8, "application/json")))
        {
        }

        var relayed = await RoundTripAsync(TestRun.Server.BaseAddress, 2, """{"jsonrpc":"2.0","id":2,"method":"ping"}""");

        TestContext.Out.WriteLine($"first relayed message to a holder that was idle: {relayed:F0} ms");
        Assert.That(relayed, Is.LessThan(10_000), "the holder polled at its fast interval, not after its 50 s idle wait");
        await events.DisposeAsync();
    }
}
