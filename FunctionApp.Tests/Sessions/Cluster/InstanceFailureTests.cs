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

    private static async Task IncrementAsync(McpClient client, int expected)
    {
        var result = await client.CallToolAsync("session_increment", new Dictionary<string, object?> { ["key"] = "n" });
        Assert.That(result.IsError, Is.Not.True, result.Text());
        Assert.That(result.StructuredContent!.Value.GetProperty("value").GetInt64(), Is.EqualTo(expected), "no increment lost or repeated");
    }
}
