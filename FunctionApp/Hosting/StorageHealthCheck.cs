using Azure.Data.Tables;
using Azure.Storage.Blobs;
using McpFunctions.Storage;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace McpFunctions.Hosting;

/// <summary>
/// Checks the app's own tables and containers, not only that the services answer: one table listing (by the app's
/// prefix) and one call per container. A table or container that is missing is re-created on the spot (as any
/// request would, see <see cref="MissingStorageRepair"/>) and named in the report, which is then Degraded. Storage
/// that does not answer within <see cref="Timeout"/> makes the check Unhealthy (503), so the endpoint answers within
/// about two seconds even when storage hangs.
/// </summary>
internal sealed class StorageHealthCheck(TableServiceClient tables, BlobServiceClient blobs, StorageTables openedTables, IOptions<StorageOptions> options, ILogger<StorageHealthCheck> logger) : IHealthCheck
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(1.5);

    /// <summary>Tables every configuration uses; others (the OAuth tables, say) are checked once this process has used them.</summary>
    private static readonly string[] CoreTables =
        [StorageNames.Notes, StorageNames.Preferences, StorageNames.Sessions, StorageNames.SessionIndex, StorageNames.Events, StorageNames.Relay, StorageNames.Instances];

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        var settings = options.Value;
        var expectedTables = CoreTables.Concat(openedTables.Opened).Distinct(StringComparer.Ordinal).Select(openedTables.PhysicalName).Order(StringComparer.Ordinal).ToArray();
        string[] containers = [settings.FilesContainer, settings.KeysContainer];

        var tablesProbe = ProbeAsync("tables", ct => RepairTablesAsync(settings.TablePrefix, expectedTables, ct), timeout.Token);
        var blobsProbe = ProbeAsync("blobs", ct => RepairContainersAsync(containers, ct), timeout.Token);
        var (tablesUp, recreatedTables) = await tablesProbe;
        var (blobsUp, recreatedContainers) = await blobsProbe;

        var recreated = recreatedTables.Concat(recreatedContainers).ToArray();
        var data = new Dictionary<string, object>
        {
            ["tables"] = tablesUp ? "reachable" : "unreachable",
            ["blobs"] = blobsUp ? "reachable" : "unreachable",
            ["checked"] = expectedTables.Concat(containers).ToArray(),
            ["recreated"] = recreated,
        };
        if (!tablesUp || !blobsUp)
        {
            return HealthCheckResult.Unhealthy($"Storage did not answer within {Timeout.TotalSeconds} s: {(tablesUp ? "" : "tables ")}{(blobsUp ? "" : "blobs")}".TrimEnd(), data: data);
        }

        return recreated.Length > 0
            ? HealthCheckResult.Degraded($"Storage was missing {string.Join(", ", recreated)}; re-created.", data: data)
            : HealthCheckResult.Healthy("Storage is reachable, with every table and container in place.", data);
    }

    private async Task<string[]> RepairTablesAsync(string prefix, string[] expected, CancellationToken cancellationToken)
    {
        var existing = new HashSet<string>(StringComparer.Ordinal);
        // Table names are case-insensitive and stored as created; the app creates them in its own case.
        await foreach (var table in tables.QueryAsync(filter: $"TableName ge '{prefix}' and TableName lt '{prefix}{{'", cancellationToken: cancellationToken))
        {
            existing.Add(table.Name);
        }

        var missing = expected.Where(name => !existing.Contains(name)).ToArray();
        await Task.WhenAll(missing.Select(name => tables.CreateTableIfNotExistsAsync(name, cancellationToken)));
        return missing;
    }

    private async Task<string[]> RepairContainersAsync(string[] names, CancellationToken cancellationToken)
    {
        var created = await Task.WhenAll(names.Select(async name =>
            (await blobs.GetBlobContainerClient(name).CreateIfNotExistsAsync(cancellationToken: cancellationToken)) is null ? null : name));
        return created.OfType<string>().ToArray();
    }

    private async Task<(bool Up, string[] Recreated)> ProbeAsync(string service, Func<CancellationToken, Task<string[]>> probe, CancellationToken cancellationToken)
    {
        try
        {
            var recreated = await probe(cancellationToken);
            if (recreated.Length > 0)
            {
                logger.LogWarning("Storage health check re-created missing {Service}: {Names}", service, string.Join(", ", recreated));
            }

            return (true, recreated);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            logger.LogWarning("Storage health probe for {Service} failed: {Reason}", service, StorageFaults.Describe(e));
            return (false, []);
        }
    }
}
