using McpFunctions.Features;
using McpFunctions.Storage;

namespace McpFunctions.Mcp;

/// <summary>
/// The one place where the features' <see cref="DomainException"/>s become MCP errors: an <c>isError</c> tool result
/// whose text a model can act on, or InvalidParams for every other request.
/// </summary>
/// <remarks>
/// The tool result reads as the SDK's own for an <see cref="McpException"/> ("An error occurred invoking 'x': ..."),
/// so a tool may throw either. Filters see what the method threw: the SDK converts exceptions outside them.
/// </remarks>
internal static class DomainErrors
{
    /// <remarks>A call that completes synchronously (most calls to sync tools) goes through without an async state machine.</remarks>
    public static McpRequestHandler<CallToolRequestParams, CallToolResult> ToolFilter(McpRequestHandler<CallToolRequestParams, CallToolResult> next) =>
        (request, cancellationToken) =>
        {
            ValueTask<CallToolResult> call;
            try
            {
                call = next(request, cancellationToken);
            }
            catch (DomainException e)
            {
                return ValueTask.FromResult(ToolError(request, e));
            }
            catch (Exception e) when (StorageFaults.IsUnavailable(e))
            {
                return ValueTask.FromResult(StorageToolError(request, e));
            }

            return call.IsCompletedSuccessfully ? call : AwaitToolAsync(call, request);
        };

    private static async ValueTask<CallToolResult> AwaitToolAsync(ValueTask<CallToolResult> call, RequestContext<CallToolRequestParams> request)
    {
        try
        {
            return await call;
        }
        catch (DomainException e)
        {
            return ToolError(request, e);
        }
        catch (Exception e) when (StorageFaults.IsUnavailable(e))
        {
            return StorageToolError(request, e);
        }
    }

    /// <summary>A tool whose storage did not answer: a result that says to retry (the write was not acknowledged).</summary>
    private static CallToolResult StorageToolError(RequestContext<CallToolRequestParams> request, Exception e)
    {
        request.Services?.GetService<ILoggerFactory>()?.CreateLogger("McpFunctions.Storage")
            .LogWarning("Storage unavailable in tool {Tool}: {Fault}", request.Params?.Name, StorageFaults.Describe(e));
        return ToolError(request, StorageFaults.Message);
    }

    private static CallToolResult ToolError(RequestContext<CallToolRequestParams> request, DomainException e) => ToolError(request, e.Message);

    /// <summary>
    /// A tool error as the SDK words one: "An error occurred invoking 'x': message", or without a message (an
    /// unexpected exception, whose text is not shown) "An error occurred invoking 'x'.". Tasks use it too.
    /// </summary>
    internal static CallToolResult ToolError(RequestContext<CallToolRequestParams> request, string? message) => new()
    {
        IsError = true,
        Content = [new TextContentBlock { Text = message is null ? $"An error occurred invoking '{request.Params?.Name}'." : $"An error occurred invoking '{request.Params?.Name}': {message}" }],
    };

    /// <summary>
    /// Every other request: an incoming message filter, so one filter serves prompts, resources, completions and
    /// subscriptions (the SDK rebuilds filter pipelines for each stateless request, so fewer filters cost less).
    /// </summary>
    public static McpMessageHandler MessageFilter(McpMessageHandler next) => (context, cancellationToken) =>
        context.JsonRpcMessage is JsonRpcRequest ? AsInvalidParamsAsync(next, context, cancellationToken) : next(context, cancellationToken);

    private static async Task AsInvalidParamsAsync(McpMessageHandler next, MessageContext context, CancellationToken cancellationToken)
    {
        try
        {
            if ((UnknownNames.Check(context) ?? PromptArgumentCheck.Check(context)) is { } refused)
            {
                throw refused;
            }

            await next(context, cancellationToken);
        }
        catch (DomainException e)
        {
            throw new McpProtocolException(e.Message, McpErrorCode.InvalidParams);
        }
        catch (Exception e) when (StorageFaults.IsUnavailable(e))
        {
            throw new McpProtocolException(StorageFaults.Message, McpErrorCode.InternalError);
        }
        catch (Exception e) when (MalformedParams.Describe(e, (context.JsonRpcMessage as JsonRpcRequest)?.Method) is { } problem)
        {
            // The SDK reads a request's params only when it handles it; what it cannot read is the client's error.
            throw new McpProtocolException(problem, McpErrorCode.InvalidParams);
        }
    }
}
