using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using DurableTask.AzureStorage;
using DurableTask.Core;
using Microsoft.Extensions.Logging.Abstractions;

namespace McpFunctions.Tests.Tasks;

/// <summary>A TaskHubWorker on the run's Azurite with the spike's orchestration and activity; deletes its hub when disposed.</summary>
internal sealed class Hub : IAsyncDisposable
{
    private readonly TaskHubWorker _worker;
    private bool _keepHub;

    private Hub(string hubName, int partitionCount, AzureStorageOrchestrationService service, TaskHubWorker worker)
    {
        HubName = hubName;
        PartitionCount = partitionCount;
        Service = service;
        _worker = worker;
    }

    public string HubName { get; }

    public int PartitionCount { get; }

    public AzureStorageOrchestrationService Service { get; }

    public static async Task<Hub> StartWorkerAsync(
        string hubName, TimeSpan maxQueuePollingInterval, int partitionCount = 4, HttpPipelinePolicy? log = null,
        Action<AzureStorageOrchestrationServiceSettings>? configure = null)
    {
        var service = NewService(hubName, maxQueuePollingInterval, partitionCount, log, configure);
        await service.CreateIfNotExistsAsync();
        var worker = new TaskHubWorker(service, NullLoggerFactory.Instance)
            .AddTaskOrchestrations(typeof(GreetingOrchestration), typeof(RerunOrchestration))
            .AddTaskActivities(typeof(GreetingActivity), typeof(RerunActivity));
        await worker.StartAsync();
        return new Hub(hubName, partitionCount, service, worker);
    }

    /// <summary>
    /// An orchestration service on <paramref name="hubName"/>. Each one gets its own client providers: DurableTask adds its
    /// pipeline policies to the options object a provider hands out, so two services sharing one provider would stack them.
    /// </summary>
    public static AzureStorageOrchestrationService NewService(
        string hubName, TimeSpan maxQueuePollingInterval, int partitionCount, HttpPipelinePolicy? log,
        Action<AzureStorageOrchestrationServiceSettings>? configure = null)
    {
        var connection = TestRun.Azurite.ConnectionString;
        var blobOptions = new BlobClientOptions();
        var queueOptions = new QueueClientOptions();
        var tableOptions = new TableClientOptions();
        if (log is not null)
        {
            blobOptions.AddPolicy(log, Azure.Core.HttpPipelinePosition.PerRetry);
            queueOptions.AddPolicy(log, Azure.Core.HttpPipelinePosition.PerRetry);
            tableOptions.AddPolicy(log, Azure.Core.HttpPipelinePosition.PerRetry);
        }

        var settings = new AzureStorageOrchestrationServiceSettings
        {
            TaskHubName = hubName,
            PartitionCount = partitionCount,
            MaxQueuePollingInterval = maxQueuePollingInterval,
            LoggerFactory = NullLoggerFactory.Instance,
            StorageAccountClientProvider = new StorageAccountClientProvider(
                StorageServiceClientProvider.ForBlob(connection, blobOptions),
                StorageServiceClientProvider.ForQueue(connection, queueOptions),
                StorageServiceClientProvider.ForTable(connection, tableOptions)),
        };
        configure?.Invoke(settings);
        return new AzureStorageOrchestrationService(settings);
    }

    /// <summary>Leaves the task hub in place on dispose, for a second worker on the same hub to delete.</summary>
    public void KeepHub() => _keepHub = true;

    public async ValueTask DisposeAsync()
    {
        await _worker.StopAsync(isForced: true);
        if (!_keepHub)
        {
            await Service.DeleteAsync();
        }
    }
}
