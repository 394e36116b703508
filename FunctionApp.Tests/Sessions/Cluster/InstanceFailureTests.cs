using McpFunctions.Tests.Fixtures;
using Microsoft.Extensions.Logging.Abstractions;
using ModelContextProtocol.Client;

namespace McpFunctions.Tests.Sessions.Cluster;

/// <summary>An instance dies in the middle of a session; the session carries on through the others.</summary>
[NonParallelizable]
public sealed class InstanceFailureTests
{
    [Test]
    public async Task When_an_instance_is_killed_mid_session_calls_continue_on_the_others()
    {
        await using var cluster = await AppCluster.StartAsync(3);
        var recorder = new InstanceRecorder();
        var transport = new HttpClientTransport(
            new HttpClientTransportOptions
            {
                Endpoint = new Uri(cluster.Proxy.BaseAddress, "/mcp"),
                TransportMode = HttpTransportMode.StreamableHttp,
                AdditionalHeaders = new Dictionary<string, string> { ["X-Local-Developer"] = "survivor" },
            },
            new HttpClient(recorder),
            NullLoggerFactory.Instance,
            ownsHttpClient: true);
        await using var client = await McpClient.CreateAsync(transport, new McpClientOptions { ProtocolVersion = Clients.SessionRevision });

        for (var i = 1; i <= 10; i++)
        {
            await IncrementAsync(client, i);
        }

        // Requests in flight to a dying instance fail with it (nginx cannot resend a POST); later ones go elsewhere.
        await cluster.Instances[1].KillAsync();
        var before = recorder.Seen.Count;

        try
        {
            for (var i = 11; i <= 40; i++)
            {
                await IncrementAsync(client, i);
            }
        }
        catch (HttpRequestException e)
        {
            Assert.Fail($"{e.Message}\nnginx:\n{cluster.Proxy.Output}");
        }

        Assert.That(recorder.Seen.Skip(before).Distinct().Count(), Is.EqualTo(2), "the two surviving instances served the rest");
    }

    [Test]
    public async Task When_an_instance_is_killed_under_load_every_client_carries_on_and_no_note_is_lost_or_doubled()
    {
        var prefix = "kill" + Guid.NewGuid().ToString("N")[..8];
        await using var cluster = await AppCluster.StartAsync(3, new Dictionary<string, string?> { ["Storage__TablePrefix"] = prefix });
        var endpoint = new Uri(cluster.Proxy.BaseAddress, "/mcp");
        var clients = new List<McpClient>();
        for (var i = 0; i < 8; i++)
        {
            var revision = i % 4 == 3 ? Clients.StatelessRevision : Clients.SessionRevision;
            clients.Add(await Clients.ConnectAsync(endpoint, HttpTransportMode.StreamableHttp, new McpClientOptions { ProtocolVersion = revision }));
        }

        var load = await NoteLoad.RunAsync(clients, 12, () => cluster.Instances[1].KillAsync());
        var sessions = clients.Select(c => c.SessionId).ToArray();
        var after = new List<bool>();
        foreach (var client in clients)
        {
            after.Add((await client.CallToolAsync("whoami")).IsError != true);
            await client.DisposeAsync();
        }

        Assert.That(load.Acknowledged, Is.EqualTo(96));
        // Calls in flight on the dying instance fail with it: nginx answers 502 and cannot resend a POST, and a call
        // whose response stream was cut resumes on another instance, which says the request may not have run.
        Assert.That(load.Refusals, Is.All.Contain("502").Or.Contain("503").Or.Contain("temporarily unavailable").Or.Contain("may or may not have taken effect"), string.Join("\n", load.Refusals));
        Assert.That(after, Is.All.True, "every client, in its own session, works after the kill");
        Assert.That(sessions.Count(s => s is not null), Is.EqualTo(6));
        var titles = await NoteLoad.TitlesAsync(new Azure.Data.Tables.TableServiceClient(TestRun.Azurite.ConnectionString).GetTableClient(prefix + "notes"));
        Assert.That(titles, Has.Length.EqualTo(96).And.Unique, "every note stored exactly once");
    }

    [Test]
    public async Task When_the_instance_answering_a_call_is_killed_the_client_gets_an_error_that_says_to_retry_not_a_hang()
    {
        await using var cluster = await AppCluster.StartAsync(2, new Dictionary<string, string?> { ["Mcp__ConformanceFixtures"] = "true" });
        var instances = await cluster.InstancesByIdAsync();

        var recorder = new InstanceRecorder();
        var transport = new HttpClientTransport(
            new HttpClientTransportOptions { Endpoint = new Uri(cluster.Proxy.BaseAddress, "/mcp"), TransportMode = HttpTransportMode.StreamableHttp },
            new HttpClient(recorder),
            NullLoggerFactory.Instance,
            ownsHttpClient: true);
        using var asked = new SemaphoreSlim(0);
        using var never = new CancellationTokenSource();
        var options = new McpClientOptions
        {
            ProtocolVersion = Clients.SessionRevision,
            Handlers = new McpClientHandlers
            {
                // The tool waits on the user; the user never answers, so the call is in flight when its instance dies.
                ElicitationHandler = async (_, cancellationToken) =>
                {
                    asked.Release();
                    await Task.Delay(Timeout.Infinite, CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, never.Token).Token);
                    return new ModelContextProtocol.Protocol.ElicitResult();
                },
            },
        };
        await using var client = await McpClient.CreateAsync(transport, options);

        var call = client.CallToolAsync("test_elicitation", new Dictionary<string, object?> { ["message"] = "who are you?" }).AsTask();
        Assert.That(await asked.WaitAsync(TimeSpan.FromSeconds(30)), Is.True, "the tool asked the user");
        // The POST's response stream is the last response the client saw; let its first events reach storage, then
        // kill the instance that writes it.
        await Task.Delay(TimeSpan.FromSeconds(1));
        await instances[recorder.Seen.Last()].KillAsync();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var failure = Assert.ThrowsAsync<ModelContextProtocol.McpProtocolException>(async () => await call.WaitAsync(TimeSpan.FromSeconds(60)));
        never.Cancel();
        TestContext.Out.WriteLine($"the client had its answer {clock.ElapsedMilliseconds} ms after the kill");

        Assert.That(failure!.Message, Does.Contain("may or may not have taken effect").And.Contain("Retry"));
        Assert.That(failure.ErrorCode, Is.EqualTo(ModelContextProtocol.McpErrorCode.InternalError));
    }

    private static async Task IncrementAsync(McpClient client, int expected)
    {
        var result = await client.CallToolAsync("session_increment", new Dictionary<string, object?> { ["key"] = "n" });
        Assert.That(result.IsError, Is.Not.True, result.Text());
        Assert.That(result.StructuredContent!.Value.GetProperty("value").GetInt64(), Is.EqualTo(expected), "no increment lost or repeated");
    }
}
