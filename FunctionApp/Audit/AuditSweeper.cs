using Azure;
using Azure.Data.Tables;
using McpFunctions.Storage;

namespace McpFunctions.Audit;

/// <summary>
/// Deletes audit rows older than <see cref="AuditOptions.Retention"/>, every <see cref="Interval"/> on each instance.
/// Deletes are idempotent (a row another instance removed first is skipped), so instances need no coordination.
/// </summary>
/// <remarks>
/// Row keys start with inverted ticks, so "older than the cutoff" is one row-key range in every partition: the
/// service filters it and returns only the rows to delete (keys only), and each partition's rows go in transactions
/// of 100.
/// </remarks>
internal sealed class AuditSweeper(StorageTables tables, TimeProvider time, IOptionsMonitor<AuditOptions> options, ILogger<AuditSweeper> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromHours(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(Random.Shared.Next(60, 600)), time, stoppingToken);
            while (!stoppingToken.IsCancellationRequested)
            {
                await SweepOnceAsync(stoppingToken);
                await Task.Delay(Interval, time, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>One pass; returns how many rows it removed.</summary>
    public async Task<int> SweepOnceAsync(CancellationToken cancellationToken)
    {
        try
        {
            var table = await tables.GetAsync(StorageNames.Audit, cancellationToken);
            var cutoff = AuditRows.InvertedTicks(time.GetUtcNow() - options.CurrentValue.Retention);
            // A row of an event before the cutoff has larger inverted ticks, so it sorts after "{cutoff}~"; one at the
            // cutoff itself ("{cutoff}-…") sorts before it and is kept.
            var old = table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"RowKey gt {cutoff + "~"}"), maxPerPage: 1000,
                select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken);
            var removed = 0;
            var batch = new List<TableEntity>(AuditTrail.MaxTransactionRows);
            await foreach (var row in old)
            {
                if (batch.Count == AuditTrail.MaxTransactionRows || (batch.Count > 0 && batch[0].PartitionKey != row.PartitionKey))
                {
                    removed += await DeleteAsync(table, batch, cancellationToken);
                    batch.Clear();
                }

                batch.Add(row);
            }

            removed += await DeleteAsync(table, batch, cancellationToken);
            if (removed > 0)
            {
                logger.LogInformation("Removed {Rows} audit rows past retention", removed);
            }

            return removed;
        }
        catch (RequestFailedException e)
        {
            logger.LogWarning("The audit sweep failed ({Status}); the next one retries", e.Status);
            return 0;
        }
    }

    private static async Task<int> DeleteAsync(TableClient table, List<TableEntity> rows, CancellationToken cancellationToken)
    {
        if (rows.Count == 0)
        {
            return 0;
        }

        try
        {
            await table.SubmitTransactionAsync(rows.Select(row => new TableTransactionAction(TableTransactionActionType.Delete, row, ETag.All)), cancellationToken);
            return rows.Count;
        }
        catch (TableTransactionFailedException)
        {
            // One row of the batch is gone already (another instance's sweep): delete them one by one.
            var removed = 0;
            foreach (var row in rows)
            {
                try
                {
                    await table.DeleteEntityAsync(row.PartitionKey, row.RowKey, ETag.All, cancellationToken);
                    removed++;
                }
                catch (RequestFailedException e) when (e.Status == 404)
                {
                }
            }

            return removed;
        }
    }
}
