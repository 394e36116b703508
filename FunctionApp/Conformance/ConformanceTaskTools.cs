using System.ComponentModel;
using McpFunctions.Tasks;

namespace McpFunctions.Conformance;

/// <summary>
/// The fixtures of the tasks extension's scenarios (SEP-2663). They run as real tasks: stored in the task table,
/// carried by a Durable Task orchestration, and run by whichever instance's worker takes them.
/// </summary>
internal sealed class ConformanceTaskTools
{
    [McpServerTool(Name = "greet"), Description("Greets by name, at once (never a task).")]
    public static string Greet([Description("Who to greet.")] string name) => $"Hello, {name}!";

    [TaskTool(Rerunnable = true)]
    [McpServerTool(Name = "slow_compute"), Description("Works for the given number of seconds, reporting progress, then returns its label. A task for clients that support tasks.")]
    public static async Task<string> SlowCompute(
        [Description("How long to work, in seconds.")] double seconds,
        [Description("A label echoed in the result.")] string? label,
        IProgress<ProgressNotificationValue> progress,
        CancellationToken cancellationToken)
    {
        var total = TimeSpan.FromSeconds(Math.Clamp(seconds, 0, 3_600));
        var started = DateTimeOffset.UtcNow;
        while (DateTimeOffset.UtcNow - started < total)
        {
            progress.Report(new ProgressNotificationValue
            {
                Progress = (float)(DateTimeOffset.UtcNow - started).TotalSeconds,
                Total = (float)total.TotalSeconds,
                Message = $"Computing {label}: {(DateTimeOffset.UtcNow - started).TotalSeconds:0} of {total.TotalSeconds:0} s",
            });
            await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(250, Math.Max(1, (total - (DateTimeOffset.UtcNow - started)).TotalMilliseconds))), cancellationToken);
        }

        return $"Computed {label} in {total.TotalSeconds:0.##} s.";
    }

    [TaskTool(Required = true, Rerunnable = true)]
    [McpServerTool(Name = "failing_job"), Description("A task whose tool fails: the task completes with an error result.")]
    public static CallToolResult FailingJob() => new()
    {
        IsError = true,
        Content = [new TextContentBlock { Text = "The job failed, as it always does." }],
    };

    [TaskTool(Required = true, Rerunnable = true)]
    [McpServerTool(Name = "protocol_error_job"), Description("A task that ends in a protocol error: the task fails.")]
    public static string ProtocolErrorJob() => throw new McpProtocolException("The job hit a protocol error, as it always does.", McpErrorCode.InternalError);

    [TaskTool(Rerunnable = true)]
    [McpServerTool(Name = "confirm_delete"), Description("Asks the user to confirm (inside the task), then pretends to delete the file.")]
    public static async Task<string> ConfirmDelete(McpServer server, [Description("The file to delete.")] string filename, CancellationToken cancellationToken)
    {
        var answer = await server.ElicitAsync(new ElicitRequestParams
        {
            Message = $"Delete {filename}?",
            RequestedSchema = new ElicitRequestParams.RequestSchema
            {
                Properties = new Dictionary<string, ElicitRequestParams.PrimitiveSchemaDefinition> { ["confirm"] = new ElicitRequestParams.BooleanSchema() },
                Required = ["confirm"],
            },
        }, cancellationToken);
        var confirmed = answer.IsAccepted && answer.Content?.TryGetValue("confirm", out var value) == true && value.ValueKind == JsonValueKind.True;
        return confirmed ? $"Deleted {filename}." : $"Kept {filename}: not confirmed.";
    }

    [TaskTool(Rerunnable = true)]
    [McpServerTool(Name = "multi_input"), Description("Asks two questions at once (inside the task), then reports both answers.")]
    public static string MultiInput(RequestContext<CallToolRequestParams> request)
    {
        if (ConformanceInputRequiredTools.Answer(request.Params, "first") is { } first && ConformanceInputRequiredTools.Answer(request.Params, "second") is { } second)
        {
            return $"Answers: {ConformanceInputRequiredTools.Accepted(first, "first").GetProperty("name")} and {ConformanceInputRequiredTools.Accepted(second, "second").GetProperty("name")}.";
        }

        throw new InputRequiredException(new Dictionary<string, InputRequest>
        {
            ["first"] = InputRequest.ForElicitation(NameAndConfirm("First question")),
            ["second"] = InputRequest.ForElicitation(NameAndConfirm("Second question")),
        });
    }

    [TaskTool(Required = true, InputBeforeTask = true, Rerunnable = true)]
    [McpServerTool(Name = "test_tool_with_task"), Description("Asks the user's name synchronously (MRTR), then greets them as a task.")]
    public static string ToolWithTask(RequestContext<CallToolRequestParams> request)
    {
        if (request.Params?.InputResponses is { Count: > 0 } answers)
        {
            return $"Hello, {ConformanceInputRequiredTools.Accepted(answers.Values.First(), "user_name").GetProperty("name")}!";
        }

        throw new InputRequiredException(new Dictionary<string, InputRequest>
        {
            ["user_name"] = InputRequest.ForElicitation(ConformanceInputRequiredTools.NameQuestion("What is your name?")),
        });
    }

    private static ElicitRequestParams NameAndConfirm(string message) => new()
    {
        Message = message,
        RequestedSchema = new ElicitRequestParams.RequestSchema
        {
            Properties = new Dictionary<string, ElicitRequestParams.PrimitiveSchemaDefinition>
            {
                ["name"] = new ElicitRequestParams.StringSchema(),
                ["confirm"] = new ElicitRequestParams.BooleanSchema(),
            },
            Required = ["name", "confirm"],
        },
    };
}
