using Azure;
using Azure.Data.Tables;

namespace McpFunctions.Tasks;

/// <summary>
/// The view of one task in the <c>tasks</c> table (docs/storage.md): what <c>tasks/get</c> shows, what the instance
/// running the tool needs to run it, and what <c>tasks/update</c> and <c>tasks/cancel</c> change. Partitioned by the
/// owner, so another user's lookup misses exactly as an unknown id does; written under its ETag by every writer.
/// </summary>
internal sealed class TaskRow
{
    /// <summary>UTF-16 characters per Table property (64 KiB); longer text is split over numbered properties.</summary>
    private const int ChunkLength = 30_000;

    public required string Partition { get; init; }
    public required string Id { get; init; }
    public required string Tool { get; init; }

    /// <summary>The tool call's arguments as JSON: the caller's own content, kept only as long as the task.</summary>
    public required string Arguments { get; init; }

    /// <summary>The owner's claims (<see cref="Auth.PrincipalClaims"/>), so that any instance can run the tool as them.</summary>
    public required string OwnerClaims { get; init; }

    /// <summary>The capabilities the client declared when it created the task (elicitation, sampling), as JSON.</summary>
    public string? ClientCapabilities { get; init; }

    public string Status { get; set; } = TaskStatuses.Working;
    public string? StatusMessage { get; set; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset LastUpdatedAt { get; set; }
    public DateTimeOffset ExpiresAt { get; init; }
    public long TtlMs { get; init; }
    public long PollIntervalMs { get; init; }

    /// <summary>The tool's <c>CallToolResult</c> as JSON once completed.</summary>
    public string? Result { get; set; }

    /// <summary>The JSON-RPC error (<c>code</c>, <c>message</c>) once failed.</summary>
    public string? Error { get; set; }

    /// <summary>What the tool waits for while <c>input_required</c>: a JSON object of key to input request.</summary>
    public string? InputRequests { get; set; }

    /// <summary>The answers <c>tasks/update</c> delivered: a JSON object of key to input response.</summary>
    public string? InputResponses { get; set; }

    /// <summary>For a tool that asked for input before it became a task: the answers and state it was called with.</summary>
    public string? Continuation { get; init; }

    public bool CancelRequested { get; set; }

    /// <summary>The instance running the tool now, and how many times a run has started.</summary>
    public string? RunningOn { get; set; }
    public int Attempt { get; set; }

    /// <summary>Whether the tool may be run again from the start when the instance running it died.</summary>
    public bool Rerunnable { get; init; }

    public ETag ETag { get; set; }

    public bool IsTerminal => TaskStatuses.IsTerminal(Status);

    public TableEntity ToEntity()
    {
        var entity = new TableEntity(Partition, Id)
        {
            ["Tool"] = Tool,
            ["OwnerClaims"] = OwnerClaims,
            ["ClientCapabilities"] = ClientCapabilities,
            ["Status"] = Status,
            ["StatusMessage"] = StatusMessage,
            ["CreatedAt"] = CreatedAt,
            ["LastUpdatedAt"] = LastUpdatedAt,
            ["ExpiresAt"] = ExpiresAt,
            ["TtlMs"] = TtlMs,
            ["PollIntervalMs"] = PollIntervalMs,
            ["Error"] = Error,
            ["InputRequests"] = InputRequests,
            ["InputResponses"] = InputResponses,
            ["CancelRequested"] = CancelRequested,
            ["Continuation"] = Continuation,
            ["RunningOn"] = RunningOn,
            ["Attempt"] = Attempt,
            ["Rerunnable"] = Rerunnable,
        };
        WriteChunks(entity, "Arguments", Arguments);
        WriteChunks(entity, "Result", Result);
        entity.ETag = ETag;
        return entity;
    }

    public static TaskRow From(TableEntity entity) => new()
    {
        Partition = entity.PartitionKey,
        Id = entity.RowKey,
        Tool = entity.GetString("Tool") ?? "",
        Arguments = ReadChunks(entity, "Arguments") ?? "{}",
        OwnerClaims = entity.GetString("OwnerClaims") ?? "[]",
        ClientCapabilities = entity.GetString("ClientCapabilities"),
        Status = entity.GetString("Status") ?? TaskStatuses.Working,
        StatusMessage = entity.GetString("StatusMessage"),
        CreatedAt = entity.GetDateTimeOffset("CreatedAt") ?? default,
        LastUpdatedAt = entity.GetDateTimeOffset("LastUpdatedAt") ?? default,
        ExpiresAt = entity.GetDateTimeOffset("ExpiresAt") ?? default,
        TtlMs = entity.GetInt64("TtlMs") ?? 0,
        PollIntervalMs = entity.GetInt64("PollIntervalMs") ?? 0,
        Result = ReadChunks(entity, "Result"),
        Error = entity.GetString("Error"),
        InputRequests = entity.GetString("InputRequests"),
        InputResponses = entity.GetString("InputResponses"),
        CancelRequested = entity.GetBoolean("CancelRequested") ?? false,
        Continuation = entity.GetString("Continuation"),
        RunningOn = entity.GetString("RunningOn"),
        Attempt = entity.GetInt32("Attempt") ?? 0,
        Rerunnable = entity.GetBoolean("Rerunnable") ?? false,
        ETag = entity.ETag,
    };

    private static void WriteChunks(TableEntity entity, string name, string? value)
    {
        if (value is null)
        {
            return;
        }

        for (int start = 0, n = 0; start < value.Length || n == 0; start += ChunkLength, n++)
        {
            entity[n == 0 ? name : name + n] = value.Substring(start, Math.Min(ChunkLength, value.Length - start));
        }
    }

    private static string? ReadChunks(TableEntity entity, string name)
    {
        if (entity.GetString(name) is not { } first)
        {
            return null;
        }

        var text = new System.Text.StringBuilder(first);
        for (var n = 1; entity.GetString(name + n) is { } next; n++)
        {
            text.Append(next);
        }

        return text.ToString();
    }
}

/// <summary>The task statuses of the tasks extension.</summary>
internal static class TaskStatuses
{
    public const string Working = "working";
    public const string InputRequired = "input_required";
    public const string Completed = "completed";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";

    public static bool IsTerminal(string status) => status is Completed or Failed or Cancelled;
}
