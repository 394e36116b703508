using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace McpFunctions.Hosting;

/// <summary>Reports whether the Table and Blob services answer, with one cheap list call each.</summary>
internal sealed class StorageHealthCheck(TableServiceClient tables, BlobServiceClient blobs, ILogger<StorageHealthCheck> logger) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        var tablesUp = await ProbeAsync("tables", async ct =>
        {
            await foreach (var _ in tables.QueryAsync(maxPerPage: 1, cancellationToken: ct).AsPages(pageSizeHint: 1))
            {
                break;
            }
        }, timeout.Token);
        var blobsUp = await ProbeAsync("blobs", async ct =>
        {
            await foreach (var _ in blobs.GetBlobContainersAsync(cancellationToken: ct).AsPages(pageSizeHint: 1))
            {
                break;
            }
        }, timeout.Token);

        var data = new Dictionary<string, object> { ["tables"] = tablesUp ? "reachable" : "unreachable", ["blobs"] = blobsUp ? "reachable" : "unreachable" };
        return tablesUp && blobsUp
            ? HealthCheckResult.Healthy("Storage is reachable.", data)
            : HealthCheckResult.Unhealthy("Storage is not reachable.", data: data);
    }

    private async Task<bool> ProbeAsync(string service, Func<CancellationToken, Task> probe, CancellationToken cancellationToken)
    {
        try
        {
            await probe(cancellationToken);
            return true;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            logger.LogWarning("Storage health probe for {Service} failed: {Reason}", service, e is Azure.RequestFailedException r ? $"{r.Status} {r.ErrorCode}" : e.GetType().Name);
            return false;
        }
    }
}
