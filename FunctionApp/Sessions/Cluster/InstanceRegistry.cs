using Azure;
using Azure.Data.Tables;
using McpFunctions.Storage;

namespace McpFunctions.Sessions.Cluster;

/// <summary>
/// The app's live instances: each records a heartbeat row; relays and session-end broadcasts go to the
/// instances seen alive recently.
/// </summary>
internal sealed class InstanceRegistry(StorageTables tables, LocalInstance self, TimeProvider time, IOptionsMonitor<ClusterOptions> options, ILogger<InstanceRegistry> logger)
    : BackgroundService
{
    private const string Partition = "instances";

    private IReadOnlyList<string> _live = [];
    private long _liveFetchedAt;

    /// <summary>An instance is alive while its heartbeat is younger than three heartbeat periods.</summary>
    public TimeSpan AliveWindow => options.CurrentValue.InstanceHeartbeatInterval * 3;

    public async Task<IReadOnlyList<string>> LiveAsync(CancellationToken cancellationToken)
    {
        if (time.GetElapsedTime(_liveFetchedAt) < TimeSpan.FromSeconds(2))
        {
            return _live;
        }

        var table = await tables.GetAsync(StorageNames.Instances, cancellationToken);
        var since = time.GetUtcNow() - AliveWindow;
        var live = new List<string>();
        await foreach (var row in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {Partition} and HeartbeatAt ge {since}"), cancellationToken: cancellationToken))
        {
            live.Add(row.RowKey);
        }

        _live = live;
        _liveFetchedAt = time.GetTimestamp();
        return live;
    }

    public async Task<bool> IsAliveAsync(string instanceId, CancellationToken cancellationToken) =>
        instanceId == self.Id || (await LiveAsync(cancellationToken)).Contains(instanceId);

    /// <summary>Rows of instances that stopped heartbeating long ago (for the sweeper).</summary>
    public async Task<IReadOnlyList<string>> DeadAsync(CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(StorageNames.Instances, cancellationToken);
        var before = time.GetUtcNow() - AliveWindow * 10;
        var dead = new List<string>();
        await foreach (var row in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {Partition} and HeartbeatAt lt {before}"), cancellationToken: cancellationToken))
        {
            dead.Add(row.RowKey);
        }

        return dead;
    }

    public async Task ForgetAsync(string instanceId, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(StorageNames.Instances, cancellationToken);
        await table.DeleteEntityAsync(Partition, instanceId, ETag.All, cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var startedAt = time.GetUtcNow();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var table = await tables.GetAsync(StorageNames.Instances, stoppingToken);
                await table.UpsertEntityAsync(new TableEntity(Partition, self.Id)
                {
                    ["StartedAt"] = startedAt,
                    ["HeartbeatAt"] = time.GetUtcNow(),
                    ["Machine"] = Environment.MachineName,
                }, TableUpdateMode.Replace, stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning("Instance heartbeat failed: {Reason}", e.GetType().Name);
            }

            try
            {
                await Task.Delay(options.CurrentValue.InstanceHeartbeatInterval, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(2));
        try
        {
            await ForgetAsync(self.Id, timeout.Token);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Best effort: the sweeper removes the row of an instance that stopped heartbeating.
            logger.LogDebug("Could not remove this instance's heartbeat row: {Reason}", e.GetType().Name);
        }
    }
}
