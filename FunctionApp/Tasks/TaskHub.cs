using Azure.Core;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using DurableTask.AzureStorage;
using DurableTask.Core;
using McpFunctions.Storage;
using Microsoft.Extensions.Azure;

namespace McpFunctions.Tasks;

/// <summary>
/// The Durable Task Framework in process: one orchestration service per instance on the app's storage account, shared
/// by this instance's worker (which runs any instance's tasks) and its client (which starts, ends and purges them).
/// Started in the background, so start-up does not wait for the hub's queues and tables; a task call waits for it.
/// </summary>
internal sealed class TaskHub(
    IOptions<TaskOptions> options,
    IConfiguration configuration,
    AzureComponentFactory componentFactory,
    ToolTaskActivity activity,
    ILoggerFactory loggers) : IHostedService
{
    private readonly TaskCompletionSource<(AzureStorageOrchestrationService Service, TaskHubWorker Worker, TaskHubClient Client)> _ready =
        new(TaskCreationOptions.RunContinuationsAsynchronously);

    public bool Enabled => options.Value.Enabled;

    public async Task<TaskHubClient> ClientAsync(CancellationToken cancellationToken) => (await _ready.Task.WaitAsync(cancellationToken)).Client;

    public async Task<AzureStorageOrchestrationService> ServiceAsync(CancellationToken cancellationToken) => (await _ready.Task.WaitAsync(cancellationToken)).Service;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (Enabled)
        {
            _ = Task.Run(StartHubAsync, CancellationToken.None);
        }

        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (!_ready.Task.IsCompletedSuccessfully)
        {
            return;
        }

        // Forced: a tool that is still running is not waited for. Its work item stays locked until
        // RecoveryTimeout, then another instance takes the task over (ToolTaskActivity decides how).
        await _ready.Task.Result.Worker.StopAsync(isForced: true).WaitAsync(cancellationToken);
    }

    private async Task StartHubAsync()
    {
        var settings = options.Value;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var service = new AzureStorageOrchestrationService(new AzureStorageOrchestrationServiceSettings
                {
                    TaskHubName = settings.HubName,
                    PartitionCount = settings.PartitionCount,
                    MaxQueuePollingInterval = settings.MaxQueuePollingInterval,
                    WorkItemQueueVisibilityTimeout = settings.RecoveryTimeout,
                    ControlQueueVisibilityTimeout = settings.RecoveryTimeout,
                    LoggerFactory = loggers,
                    StorageAccountClientProvider = ClientProvider(),
                });
                await service.CreateIfNotExistsAsync();
                var worker = new TaskHubWorker(service, loggers)
                    .AddTaskOrchestrations(typeof(ToolTaskOrchestration))
                    .AddTaskActivities(new NameValueObjectCreator<TaskActivity>(ToolTaskActivity.Name, ToolTaskActivity.Version, activity));
                await worker.StartAsync();
                _ready.TrySetResult((service, worker, new TaskHubClient(service, loggerFactory: loggers)));
                return;
            }
            catch (Exception e) when (attempt < 10)
            {
                loggers.CreateLogger<TaskHub>().LogWarning("The task hub did not start (attempt {Attempt}): {Fault}; trying again", attempt, StorageFaults.Describe(e));
                await Task.Delay(TimeSpan.FromSeconds(attempt));
            }
            catch (Exception e)
            {
                loggers.CreateLogger<TaskHub>().LogError(e, "The task hub did not start; tool calls will not become tasks on this instance");
                _ready.TrySetException(e);
                return;
            }
        }
    }

    /// <summary>
    /// The same account as the app's own clients (StorageConnection), plus the Queue service, which only the task hub
    /// uses. Each client kind gets its own options object: DurableTask adds its own pipeline policies to them.
    /// </summary>
    private StorageAccountClientProvider ClientProvider()
    {
        var section = configuration.GetSection(StorageConnection.SettingName);
        var blobOptions = new BlobClientOptions();
        var queueOptions = new QueueClientOptions();
        var tableOptions = new TableClientOptions();
        StorageConnection.Bound(blobOptions.Retry);
        StorageConnection.Bound(queueOptions.Retry);
        StorageConnection.Bound(tableOptions.Retry);
        if (!string.IsNullOrWhiteSpace(section.Value))
        {
            return new StorageAccountClientProvider(
                StorageServiceClientProvider.ForBlob(section.Value, blobOptions),
                StorageServiceClientProvider.ForQueue(section.Value, queueOptions),
                StorageServiceClientProvider.ForTable(section.Value, tableOptions));
        }

        Uri Endpoint(string service) => new(StorageConnection.ServiceUri(section, service)
            ?? throw new InvalidOperationException($"Tasks need the Queue service: set '{StorageConnection.SettingName}__{service}ServiceUri' or '{StorageConnection.SettingName}__accountName'."));
        TokenCredential credential = componentFactory.CreateTokenCredential(section);
        return new StorageAccountClientProvider(
            StorageServiceClientProvider.ForBlob(Endpoint("blob"), credential, blobOptions),
            StorageServiceClientProvider.ForQueue(Endpoint("queue"), credential, queueOptions),
            StorageServiceClientProvider.ForTable(Endpoint("table"), credential, tableOptions));
    }
}

/// <summary>A task's orchestration: one activity, which runs the tool (the state a client sees is in the task row).</summary>
/// <remarks>A run that failed because storage did not answer is tried again, three times, 5 s apart and growing.</remarks>
internal sealed class ToolTaskOrchestration : TaskOrchestration<string, TaskRef>
{
    private static readonly DurableTask.Core.RetryOptions StorageRetry = new(TimeSpan.FromSeconds(5), maxNumberOfAttempts: 4) { BackoffCoefficient = 2 };

    public override Task<string> RunTask(OrchestrationContext context, TaskRef input) =>
        context.ScheduleWithRetry<string>(ToolTaskActivity.Name, ToolTaskActivity.Version, StorageRetry, input);
}

/// <summary>What an orchestration carries: where the task's row is. Everything else is read from the row.</summary>
internal sealed record TaskRef(string Partition, string Id);
