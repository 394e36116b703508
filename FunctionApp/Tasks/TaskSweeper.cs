using DurableTask.Core;
using McpFunctions.Storage;

namespace McpFunctions.Tasks;

/// <summary>
/// Purges tasks past their TTL, every <see cref="TaskOptions.SweepInterval"/> on each instance: a task still running
/// is ended, its orchestration history is purged from the task hub, then its row is deleted. Each step is idempotent,
/// so instances need no coordination. <c>tasks/get</c> already treats an expired row as unknown before the sweep.
/// </summary>
internal sealed class TaskSweeper(TaskStore store, TaskHub hub, TimeProvider time, IOptions<TaskOptions> options, ILogger<TaskSweeper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await Task.Delay(options.Value.SweepInterval, time, stoppingToken);
                await SweepOnceAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>One pass; returns how many tasks it purged.</summary>
    public async Task<int> SweepOnceAsync(CancellationToken cancellationToken)
    {
        var purged = 0;
        try
        {
            var service = await hub.ServiceAsync(cancellationToken);
            var client = await hub.ClientAsync(cancellationToken);
            foreach (var (partition, id) in await store.ExpiredAsync(500, cancellationToken))
            {
                var state = await client.GetOrchestrationStateAsync(id);
                if (state?.OrchestrationStatus is OrchestrationStatus.Running or OrchestrationStatus.Pending)
                {
                    await client.TerminateInstanceAsync(new OrchestrationInstance { InstanceId = id }, "The task expired (its TTL passed).");
                }

                await service.PurgeInstanceHistoryAsync(id);
                await store.DeleteAsync(partition, id, cancellationToken);
                purged++;
            }

            if (purged > 0)
            {
                logger.LogInformation("Purged {Tasks} expired tasks", purged);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning("The task sweep failed after {Purged} tasks: {Fault}; the next one retries", purged, StorageFaults.Describe(e));
        }

        return purged;
    }
}
