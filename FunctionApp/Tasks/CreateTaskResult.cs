using System.Text.Json.Serialization;

namespace McpFunctions.Tasks;

/// <summary>The flat answer to a <c>tools/call</c> that became a task (<c>resultType: "task"</c>).</summary>
internal sealed class CreateTaskResult : Result
{
    [JsonPropertyName("taskId")]
    public required string TaskId { get; init; }

    [JsonPropertyName("status")]
    public required string Status { get; init; }

    [JsonPropertyName("statusMessage")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? StatusMessage { get; init; }

    [JsonPropertyName("createdAt")]
    public required string CreatedAt { get; init; }

    [JsonPropertyName("lastUpdatedAt")]
    public required string LastUpdatedAt { get; init; }

    [JsonPropertyName("ttlMs")]
    public long TtlMs { get; init; }

    [JsonPropertyName("pollIntervalMs")]
    public long PollIntervalMs { get; init; }

    public static CreateTaskResult From(TaskRow row) => new()
    {
        ResultType = "task",
        TaskId = row.Id,
        Status = row.Status,
        StatusMessage = row.StatusMessage,
        CreatedAt = row.CreatedAt.ToString("O"),
        LastUpdatedAt = row.LastUpdatedAt.ToString("O"),
        TtlMs = row.TtlMs,
        PollIntervalMs = row.PollIntervalMs,
    };
}

[JsonSerializable(typeof(CreateTaskResult))]
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
internal sealed partial class TaskJsonContext : JsonSerializerContext;
