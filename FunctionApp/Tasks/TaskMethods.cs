using System.Text.Json.Nodes;

#pragma warning disable MCPEXP002 // the SDK's seams for extensions (request handlers, alternate results) are experimental

namespace McpFunctions.Tasks;

/// <summary>
/// Puts the tasks extension on the MCP server: it is advertised in the server's capabilities, <c>tasks/get</c>,
/// <c>tasks/update</c> and <c>tasks/cancel</c> are served (with <c>Mcp-Name</c> checked against <c>taskId</c> by the
/// SDK), and a <c>tools/call</c> of a <see cref="TaskToolAttribute"/> tool from a declaring client becomes a task.
/// </summary>
/// <remarks>
/// Built on the SDK 2.4 seams, since the SDK's own tasks package is not available here (docs/tasks.md). Custom
/// request handlers bypass the typed filters, so each method checks the caller itself (through <see cref="TaskCalls"/>).
/// <c>tasks/result</c> and <c>tasks/list</c>, removed from the extension, stay unknown methods (<c>-32601</c>).
/// </remarks>
internal static class TaskMethods
{
    public static void Configure(McpServerOptions options)
    {
        options.Capabilities ??= new ServerCapabilities();
        options.Capabilities.Extensions ??= new Dictionary<string, object>();
        options.Capabilities.Extensions[TaskExtension.Name] = new JsonObject();

        options.RequestHandlers ??= [];
        options.RequestHandlers.Add(Handler("tasks/get", (calls, context, ct) => calls.GetAsync(context, ct)));
        options.RequestHandlers.Add(Handler("tasks/update", (calls, context, ct) => calls.UpdateAsync(context, ct)));
        options.RequestHandlers.Add(Handler("tasks/cancel", (calls, context, ct) => calls.CancelAsync(context, ct)));
        options.Filters.Request.CallToolWithAlternateFilters.Add(CallToolAsync);
    }

    /// <summary>Only a client that declared the extension (for this request, or for its session) may use tasks.</summary>
    public static bool Declared(McpServer server) => server.ClientCapabilities?.Extensions?.ContainsKey(TaskExtension.Name) == true;

    public static MissingRequiredClientCapabilityException NotDeclared(string what) => new(
        new ClientCapabilities { Extensions = new Dictionary<string, object> { [TaskExtension.Name] = new JsonObject() } },
        $"{what} needs the tasks extension: declare \"{TaskExtension.Name}\" in the client's capabilities (extensions).");

    private static McpServerRequestHandler Handler(string method, Func<TaskCalls, RequestContext<JsonNode?>, CancellationToken, ValueTask<JsonNode?>> handle) => new()
    {
        Method = method,
        RoutingNameParameter = "taskId",
        Handler = async (context, cancellationToken) =>
        {
            if (!Declared(context.Server))
            {
                throw NotDeclared(method);
            }

            var result = await handle(context.Services!.GetRequiredService<TaskCalls>(), context, cancellationToken);
            if (result is JsonObject body)
            {
                body["resultType"] = "complete";
            }

            return result;
        },
    };

    private static async ValueTask<ResultOrAlternate<CallToolResult>> CallToolAsync(
        RequestContext<CallToolRequestParams> context, McpRequestHandler<CallToolRequestParams, ResultOrAlternate<CallToolResult>> next, CancellationToken cancellationToken)
    {
        if ((context.MatchedPrimitive as McpServerTool)?.Metadata.OfType<TaskToolAttribute>().FirstOrDefault() is not { } task)
        {
            return await next(context, cancellationToken);
        }

        if (!Declared(context.Server))
        {
            return task.Required ? throw NotDeclared($"Tool '{context.Params?.Name}'") : await next(context, cancellationToken);
        }

        if (task.InputBeforeTask && context.Params?.InputResponses is not { Count: > 0 })
        {
            return await next(context, cancellationToken);
        }

        try
        {
            var created = await context.Services!.GetRequiredService<TaskCalls>().CreateAsync(context, task, cancellationToken);
            return ResultOrAlternate<CallToolResult>.FromAlternate(created, TaskJsonContext.Default.CreateTaskResult);
        }
        catch (Exception e) when (Storage.StorageFaults.IsUnavailable(e))
        {
            // Nothing was created (TaskCalls removes a half-made task): the client may simply call again.
            context.Services?.GetService<ILoggerFactory>()?.CreateLogger("McpFunctions.Storage")
                .LogWarning("Storage unavailable creating a task for {Tool}: {Fault}", context.Params?.Name, Storage.StorageFaults.Describe(e));
            throw new McpProtocolException(Storage.StorageFaults.Message, McpErrorCode.InternalError);
        }
    }
}
