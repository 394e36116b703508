using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace McpFunctions.Tests.Fixtures;

/// <summary>
/// A 2026-07-28 client of the tasks extension over plain HTTP, as the conformance suite is: each request stands alone,
/// declares its capabilities in <c>_meta</c>, and carries the <c>Mcp-Method</c> and <c>Mcp-Name</c> headers. The SDK's
/// client has no tasks support, hence this one. It records how long each HTTP request took.
/// </summary>
public sealed class TaskClient(Uri endpoint, string? localDeveloper = null, bool declareTasks = true) : IDisposable
{
    public const string Extension = "io.modelcontextprotocol/tasks";

    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(100) };
    private int _id;

    /// <summary>The duration of every HTTP request sent so far.</summary>
    public List<TimeSpan> Durations { get; } = [];

    public Task<JsonElement> CallToolAsync(string name, object? arguments = null, JsonObject? meta = null) =>
        SendAsync("tools/call", new JsonObject { ["name"] = name, ["arguments"] = JsonSerializer.SerializeToNode(arguments ?? new { }) }, name, meta);

    public Task<JsonElement> GetAsync(string taskId) => SendAsync("tasks/get", new JsonObject { ["taskId"] = taskId }, taskId);

    public Task<JsonElement> CancelAsync(string taskId) => SendAsync("tasks/cancel", new JsonObject { ["taskId"] = taskId }, taskId);

    public Task<JsonElement> UpdateAsync(string taskId, JsonObject inputResponses) =>
        SendAsync("tasks/update", new JsonObject { ["taskId"] = taskId, ["inputResponses"] = inputResponses }, taskId);

    /// <summary>Polls <c>tasks/get</c> every 200 ms until <paramref name="done"/> holds for the task (its result), or fails after the timeout.</summary>
    public async Task<JsonElement> WaitAsync(string taskId, Func<JsonElement, bool> done, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var task = (await GetAsync(taskId)).Result();
            if (done(task))
            {
                return task;
            }

            Assert.That(clock.Elapsed, Is.LessThan(timeout), $"task {taskId} is still {task}");
            await Task.Delay(200);
        }
    }

    public Task<JsonElement> WaitTerminalAsync(string taskId, TimeSpan timeout) =>
        WaitAsync(taskId, t => t.GetProperty("status").GetString() is "completed" or "failed" or "cancelled", timeout);

    /// <summary>The whole JSON-RPC message: a <c>result</c> or an <c>error</c>.</summary>
    public async Task<JsonElement> SendAsync(string method, JsonObject parameters, string? name, JsonObject? meta = null)
    {
        var capabilities = declareTasks ? new JsonObject { ["elicitation"] = new JsonObject(), ["extensions"] = new JsonObject { [Extension] = new JsonObject() } } : new JsonObject();
        var requestMeta = new JsonObject
        {
            ["io.modelcontextprotocol/protocolVersion"] = "2026-07-28",
            ["io.modelcontextprotocol/clientInfo"] = new JsonObject { ["name"] = "McpFunctions.Tests", ["version"] = "1.0.0" },
            ["io.modelcontextprotocol/clientCapabilities"] = capabilities,
        };
        foreach (var (key, value) in meta ?? [])
        {
            requestMeta[key] = value?.DeepClone();
        }

        parameters["_meta"] = requestMeta;
        var body = new JsonObject { ["jsonrpc"] = "2.0", ["id"] = Interlocked.Increment(ref _id), ["method"] = method, ["params"] = parameters };
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = new StringContent(body.ToJsonString(), Encoding.UTF8) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse("application/json");
        request.Headers.TryAddWithoutValidation("Accept", McpRequests.AcceptBoth);
        request.Headers.Add("MCP-Protocol-Version", "2026-07-28");
        request.Headers.Add("Mcp-Method", method);
        if (name is not null)
        {
            request.Headers.Add("Mcp-Name", name);
        }

        if (localDeveloper is not null)
        {
            request.Headers.Add("X-Local-Developer", localDeveloper);
        }

        var clock = Stopwatch.StartNew();
        using var response = await _http.SendAsync(request);
        var reply = await JsonRpcReply.ReadAsync(response);
        lock (Durations)
        {
            Durations.Add(clock.Elapsed);
        }

        return reply.Message;
    }

    public void Dispose() => _http.Dispose();
}

/// <summary>Reading the JSON-RPC messages a <see cref="TaskClient"/> gets back.</summary>
public static class TaskReplies
{
    public static JsonElement Result(this JsonElement message)
    {
        Assert.That(message.TryGetProperty("result", out var result), Is.True, $"expected a result: {message}");
        return result;
    }

    public static int ErrorCode(this JsonElement message)
    {
        Assert.That(message.TryGetProperty("error", out var error), Is.True, $"expected an error: {message}");
        return error.GetProperty("code").GetInt32();
    }

    public static string TaskId(this JsonElement message) => message.Result().GetProperty("taskId").GetString()!;

    public static string Status(this JsonElement result) => result.GetProperty("status").GetString()!;
}
