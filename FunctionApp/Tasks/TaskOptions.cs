using System.ComponentModel.DataAnnotations;

namespace McpFunctions.Tasks;

/// <summary>
/// Long-running tool calls as MCP tasks (configuration section <c>Tasks</c>): whether the task hub runs, how long a
/// task is kept, the limits per user, and the Durable Task Framework's polling, which sets both the pickup latency and
/// the idle cost (docs/tasks.md has the figures).
/// </summary>
internal sealed record TaskOptions
{
    public const string SectionName = "Tasks";

    /// <summary>Whether the task hub runs on this instance. Off: no worker, no polling, and no tool call becomes a task.</summary>
    public bool Enabled { get; init; }

    /// <summary>The task hub's name: its queues, tables and containers in the storage account start with it.</summary>
    [RegularExpression("^[A-Za-z][A-Za-z0-9]{2,44}$")]
    public string HubName { get; init; } = "mcpfunctionstasks";

    /// <summary>How long a task and its result are kept after it is created, unless the client asks for less.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan DefaultTtl { get; init; } = TimeSpan.FromHours(1);

    /// <summary>The longest TTL a client may ask for.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "30.00:00:00")]
    public TimeSpan MaxTtl { get; init; } = TimeSpan.FromDays(1);

    /// <summary>How often a client is asked to poll <c>tasks/get</c> (<c>pollIntervalMs</c>).</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Unfinished tasks (working or waiting for input) one user may have; one more is refused with a clear error.</summary>
    [Range(1, 10_000)]
    public int MaxTasksPerPrincipal { get; init; } = 50;

    /// <summary>The largest result a task keeps (UTF-8 bytes of the tool result's JSON); a larger one fails the task.</summary>
    [Range(1_024, 512 * 1_024)]
    public int MaxResultBytes { get; init; } = 256 * 1_024;

    /// <summary>
    /// The longest a Durable Task queue poller waits between polls when idle: a task created on another instance is
    /// picked up within it, and each idle instance polls each queue about this often (the idle cost).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan MaxQueuePollingInterval { get; init; } = TimeSpan.FromMilliseconds(750);

    /// <summary>Control-queue partitions. The work is in activities, which share one queue, so one is enough.</summary>
    [Range(1, 16)]
    public int PartitionCount { get; init; } = 1;

    /// <summary>
    /// How long a running tool's work item stays locked to its instance without a renewal: a task whose instance died
    /// is picked up by another instance after about this long.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:20", "00:10:00")]
    public TimeSpan RecoveryTimeout { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>How often the instance running a task checks whether it was cancelled, and whether its input arrived.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:00:05")]
    public TimeSpan CheckInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How often expired tasks are purged from the task hub and from the task table.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan SweepInterval { get; init; } = TimeSpan.FromMinutes(10);
}

/// <summary>Checks the data annotations on <see cref="TaskOptions"/> with source-generated code.</summary>
[OptionsValidator]
internal sealed partial class TaskOptionsValidator : IValidateOptions<TaskOptions>;
