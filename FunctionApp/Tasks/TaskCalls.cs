using System.Security.Cryptography;
using System.Text.Json.Nodes;
using McpFunctions.Auth;
using McpFunctions.Storage;
using Microsoft.AspNetCore.WebUtilities;

namespace McpFunctions.Tasks;

/// <summary>
/// The tasks extension's side of the protocol: a <c>tools/call</c> that becomes a task, and <c>tasks/get</c>,
/// <c>tasks/update</c> and <c>tasks/cancel</c>. Every method reads or writes the task row first, so a client reads
/// its own writes whichever instance it reaches; the Durable Task orchestration only carries the work.
/// </summary>
internal sealed class TaskCalls(
    TaskStore store,
    TaskHub hub,
    IOptions<TaskOptions> options,
    TimeProvider time,
    ILogger<TaskCalls> logger)
{
    /// <summary>
    /// Stores the task, then starts its orchestration, then answers: an immediate <c>tasks/get</c> finds it. If the
    /// orchestration cannot be started, the row is removed again and the call fails, so nothing is left half-made.
    /// </summary>
    public async Task<CreateTaskResult> CreateAsync(RequestContext<CallToolRequestParams> context, TaskToolAttribute tool, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var user = context.User ?? throw new McpProtocolException("Sign-in is required to create a task.", McpErrorCode.InvalidRequest);
        var caller = Caller.From(user);
        var now = time.GetUtcNow();
        var ttl = RequestedTtl(context.Params?.Meta) is { } asked && asked < settings.MaxTtl ? asked : settings.DefaultTtl;
        var id = WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(16));
        var arguments = new Dictionary<string, JsonElement>(context.Params!.Arguments ?? new Dictionary<string, JsonElement>());
        var keyed = tool.IdempotencyKeyArgument is { } keyArgument;
        if (keyed && !arguments.ContainsKey(tool.IdempotencyKeyArgument!))
        {
            arguments[tool.IdempotencyKeyArgument!] = JsonSerializer.SerializeToElement("task-" + id, McpJsonUtilities.DefaultOptions);
        }

        var row = new TaskRow
        {
            Partition = caller.PartitionKey,
            Id = id,
            Tool = context.Params.Name,
            Arguments = JsonSerializer.Serialize(arguments, McpJsonUtilities.DefaultOptions),
            OwnerClaims = PrincipalClaims.Serialize(user),
            ClientCapabilities = context.Server.ClientCapabilities is { } capabilities ? JsonSerializer.Serialize(capabilities, McpJsonUtilities.DefaultOptions) : null,
            CreatedAt = now,
            LastUpdatedAt = now,
            ExpiresAt = now + ttl,
            TtlMs = (long)ttl.TotalMilliseconds,
            PollIntervalMs = (long)settings.PollInterval.TotalMilliseconds,
            Rerunnable = tool.Rerunnable || keyed,
            Continuation = tool.InputBeforeTask ? TaskJson.Continuation(context.Params.InputResponses, context.Params.RequestState) : null,
        };

        var client = await hub.ClientAsync(cancellationToken);
        if (!await store.CreateAsync(row, settings.MaxTasksPerPrincipal, cancellationToken))
        {
            throw new McpProtocolException(
                $"You already have {settings.MaxTasksPerPrincipal} tasks that have not finished. Wait for one to finish, or cancel one with tasks/cancel.",
                McpErrorCode.InvalidRequest);
        }

        try
        {
            await client.CreateOrchestrationInstanceAsync(typeof(ToolTaskOrchestration), row.Id, new TaskRef(row.Partition, row.Id));
        }
        catch (Exception e)
        {
            logger.LogWarning("Task {TaskId} could not be started: {Fault}", row.Id, StorageFaults.Describe(e));
            await store.DeleteAsync(row.Partition, row.Id, CancellationToken.None);
            throw;
        }

        logger.LogInformation("Task {TaskId} created for tool {Tool}", row.Id, row.Tool);
        return CreateTaskResult.From(row);
    }

    public async ValueTask<JsonNode?> GetAsync(RequestContext<JsonNode?> context, CancellationToken cancellationToken)
    {
        var row = await FindOwnAsync(context, cancellationToken);
        return TaskView(row);
    }

    /// <summary>Stores the answers to the task's input requests; the tool, waiting on another instance, reads them.</summary>
    public async ValueTask<JsonNode?> UpdateAsync(RequestContext<JsonNode?> context, CancellationToken cancellationToken)
    {
        var (partition, id) = OwnTask(context);
        if (context.Params?["inputResponses"] is not JsonObject responses)
        {
            throw new McpProtocolException("inputResponses is required: an object of answers keyed as in the task's inputRequests.", McpErrorCode.InvalidParams);
        }

        var row = await store.UpdateAsync(partition, id, r =>
        {
            var open = TaskJson.Requests(r.InputRequests);
            var answers = TaskJson.Responses(r.InputResponses);
            var added = false;
            foreach (var (key, response) in responses)
            {
                // An answer to a request the task did not ask (or asked and already had answered) is ignored.
                if (open.ContainsKey(key) && !answers.ContainsKey(key))
                {
                    answers[key] = ParseResponse(key, response);
                    added = true;
                }
            }

            if (!added || r.IsTerminal)
            {
                return false;
            }

            r.InputResponses = TaskJson.Write(answers);
            return true;
        }, cancellationToken) ?? throw UnknownTask(id);
        return new JsonObject();
    }

    private static InputResponse ParseResponse(string key, JsonNode? response)
    {
        try
        {
            return response.Deserialize<InputResponse>(McpJsonUtilities.DefaultOptions)
                ?? throw new JsonException("it is null");
        }
        catch (JsonException e)
        {
            throw new McpProtocolException($"inputResponses.{key} is not an input response: {e.Message}", McpErrorCode.InvalidParams);
        }
    }

    /// <summary>Marks the task cancelled at once; the instance running it cancels the tool within a check interval.</summary>
    public async ValueTask<JsonNode?> CancelAsync(RequestContext<JsonNode?> context, CancellationToken cancellationToken)
    {
        var (partition, id) = OwnTask(context);
        _ = await store.UpdateAsync(partition, id, r =>
        {
            if (r.IsTerminal)
            {
                return false;
            }

            r.Status = TaskStatuses.Cancelled;
            r.StatusMessage = "Cancelled by the client.";
            r.CancelRequested = true;
            r.InputRequests = null;
            return true;
        }, cancellationToken) ?? throw UnknownTask(id);
        return new JsonObject();
    }

    /// <summary>What <c>tasks/get</c> shows: the task, with its result, error or open input requests as its status has them.</summary>
    private static JsonObject TaskView(TaskRow row)
    {
        var view = new JsonObject
        {
            ["taskId"] = row.Id,
            ["status"] = row.Status,
            ["createdAt"] = row.CreatedAt.ToString("O"),
            ["lastUpdatedAt"] = row.LastUpdatedAt.ToString("O"),
            ["ttlMs"] = row.TtlMs,
            ["pollIntervalMs"] = row.PollIntervalMs,
        };
        if (row.StatusMessage is { } message)
        {
            view["statusMessage"] = message;
        }

        switch (row.Status)
        {
            case TaskStatuses.Completed when row.Result is { } result:
                view["result"] = JsonNode.Parse(result);
                break;
            case TaskStatuses.Failed when row.Error is { } error:
                view["error"] = JsonNode.Parse(error);
                break;
            case TaskStatuses.InputRequired when row.InputRequests is { } requests:
                var answered = TaskJson.Responses(row.InputResponses);
                var open = new JsonObject();
                foreach (var (key, request) in TaskJson.Requests(requests))
                {
                    if (!answered.ContainsKey(key))
                    {
                        open[key] = JsonSerializer.SerializeToNode(request, McpJsonUtilities.DefaultOptions);
                    }
                }

                view["inputRequests"] = open;
                break;
        }

        return view;
    }

    private async Task<TaskRow> FindOwnAsync(RequestContext<JsonNode?> context, CancellationToken cancellationToken)
    {
        var (partition, id) = OwnTask(context);
        return await store.FindAsync(partition, id, cancellationToken) ?? throw UnknownTask(id);
    }

    /// <summary>The caller's partition and the task id; a malformed id is answered as an unknown one.</summary>
    private static (string Partition, string Id) OwnTask(RequestContext<JsonNode?> context)
    {
        var id = context.Params?["taskId"] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;
        if (string.IsNullOrEmpty(id))
        {
            throw new McpProtocolException("taskId is required: the id a tools/call answered with.", McpErrorCode.InvalidParams);
        }

        // Ids are 16 random bytes in base64url: anything else was never issued, and is not looked up.
        if (id.Length != 22 || !id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            throw UnknownTask(id);
        }

        return (Caller.From(context.User).PartitionKey, id);
    }

    /// <summary>The same answer for an id that never existed, one that expired, and another user's task.</summary>
    private static McpProtocolException UnknownTask(string id) =>
        new($"Unknown task '{(id.Length > 64 ? id[..64] + "…" : id)}': no task with this id exists for you, or it has expired.", McpErrorCode.InvalidParams);

    private static TimeSpan? RequestedTtl(JsonObject? meta) =>
        meta?[TaskExtension.Name] is JsonObject task && task["ttlMs"] is JsonValue ttl && ttl.TryGetValue<long>(out var ms) && ms > 0
            ? TimeSpan.FromMilliseconds(ms)
            : null;
}
