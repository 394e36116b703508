using McpFunctions.Sessions.Cluster;
using McpFunctions.Sessions.Relay;
using McpFunctions.Sessions.Streams;

namespace McpFunctions.Sessions.State;

/// <summary>
/// Periodically ends expired sessions, deletes stream events past their retention, and drops the inboxes and
/// heartbeat rows of instances that stopped long ago, and this instance's cached rows of idle sessions. Every instance
/// sweeps; all deletes are idempotent.
/// </summary>
internal sealed class SessionSweeper(
    SessionStore sessions,
    SessionLifecycle lifecycle,
    StreamEventTable events,
    RelayInbox relay,
    InstanceRegistry instances,
    TimeProvider time,
    IOptionsMonitor<SessionLifetimeOptions> options,
    IOptionsMonitor<EventStoreOptions> eventOptions,
    ILogger<SessionSweeper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Spread instances out so they do not all sweep at once.
        var first = TimeSpan.FromMilliseconds(Random.Shared.Next(0, (int)Math.Min(options.CurrentValue.SweepInterval.TotalMilliseconds, 60_000)));
        try
        {
            await Task.Delay(first, time, stoppingToken);
            while (!stoppingToken.IsCancellationRequested)
            {
                await SweepOnceAsync(stoppingToken);
                await Task.Delay(options.CurrentValue.SweepInterval, time, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public async Task SweepOnceAsync(CancellationToken cancellationToken)
    {
        sessions.ForgetIdle();
        try
        {
            var ended = 0;
            await foreach (var sessionId in sessions.ExpiredAsync(500, cancellationToken))
            {
                if (await sessions.ReadRawAsync(sessionId, cancellationToken) is { } expired && !sessions.IsLive(expired))
                {
                    await lifecycle.EndAsync(expired, cancellationToken);
                    ended++;
                }
            }

            var cutoff = time.GetUtcNow() - eventOptions.CurrentValue.EventRetention;
            var oldEvents = await events.DeleteOlderThanAsync(cutoff, cancellationToken);

            var instancesDropped = 0;
            foreach (var dead in await instances.DeadAsync(cancellationToken))
            {
                await relay.DropAsync(dead, cancellationToken);
                await instances.ForgetAsync(dead, cancellationToken);
                instancesDropped++;
            }

            if (ended + oldEvents + instancesDropped > 0)
            {
                logger.LogInformation("Swept {Sessions} expired sessions, {Events} old events, {Instances} stopped instances", ended, oldEvents, instancesDropped);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning("Sweep failed: {Reason}", e.GetType().Name);
        }
    }
}
