using McpFunctions.Hosting;
using McpFunctions.Tests.Fixtures;

namespace McpFunctions.Tests.Sessions.Relay;

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

        await using var probe = await LegacySseProbe.OpenAsync(http, holder.BaseAddress, "pump-probe");
        var relayed = await probe.PingAsync(TestRun.Server.BaseAddress, 2);

        TestContext.Out.WriteLine($"first relayed message to a holder that was idle: {relayed:F0} ms");
        Assert.That(relayed, Is.LessThan(10_000), "the holder polled at its fast interval, not after its 50 s idle wait");
    }
}
