using System.Text.Json.Nodes;

namespace McpFunctions.Tasks;

/// <summary>
/// The <see cref="McpServer"/> a tool sees while it runs as a task, on whichever instance took the task, with no
/// client connection. A request the tool sends the client (elicitation, sampling, roots) becomes one of the task's
/// input requests: the task shows <c>input_required</c> until <c>tasks/update</c> answers it. A progress notification
/// becomes the task's status message. Log messages have nowhere to go and are dropped.
/// </summary>
/// <remarks>The SDK's constructor for servers of one's own is experimental (MCPEXP002), like the other task seams.</remarks>
#pragma warning disable MCPEXP002
internal sealed class TaskRunServer(
    TaskRunner runner,
    TaskRow task,
    McpServerOptions serverOptions,
    IServiceProvider services,
    ClientCapabilities? clientCapabilities) : McpServer
{
    private int _requests;

    public override string? SessionId => null;

    public override string? NegotiatedProtocolVersion => TaskExtension.Revision;

    public override ClientCapabilities? ClientCapabilities => clientCapabilities;

    public override Implementation? ClientInfo => null;

    public override McpServerOptions ServerOptions => serverOptions;

    public override IServiceProvider? Services => services;

    [Obsolete("Tasks have no log stream.")]
    public override LoggingLevel? LoggingLevel => null;

    public override async Task<JsonRpcResponse> SendRequestAsync(JsonRpcRequest request, CancellationToken cancellationToken = default)
    {
        var key = $"{request.Method.Replace('/', '-')}-{Interlocked.Increment(ref _requests)}";
        var parameters = request.Params is null ? (JsonElement?)null : JsonSerializer.SerializeToElement(request.Params, McpJsonUtilities.DefaultOptions);
        var answers = await runner.AskAsync(task, new Dictionary<string, InputRequest> { [key] = new() { Method = request.Method, Params = parameters } }, cancellationToken);
        return new JsonRpcResponse { Id = request.Id, Result = JsonNode.Parse(answers[key].RawValue.GetRawText()) };
    }

    public override Task SendMessageAsync(JsonRpcMessage message, CancellationToken cancellationToken = default)
    {
        if (message is JsonRpcNotification { Method: NotificationMethods.ProgressNotification, Params: { } progress })
        {
            return runner.ReportProgressAsync(task, progress, cancellationToken);
        }

        return Task.CompletedTask;
    }

    public override IAsyncDisposable RegisterNotificationHandler(string method, Func<JsonRpcNotification, CancellationToken, ValueTask> handler) =>
        NoRegistration.Instance;

    public override Task RunAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

    public override ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private sealed class NoRegistration : IAsyncDisposable
    {
        public static readonly NoRegistration Instance = new();

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
#pragma warning restore MCPEXP002
