using McpFunctions.Features;

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
    public static McpRequestHandler<CallToolRequestParams, CallToolResult> ToolFilter(McpRequestHandler<CallToolRequestParams, CallToolResult> next) =>
        async (request, cancellationToken) =>
        {
            try
            {
                return await next(request, cancellationToken);
            }
            catch (DomainException e)
            {
                return new CallToolResult
                {
                    IsError = true,
                    Content = [new TextContentBlock { Text = $"An error occurred invoking '{request.Params?.Name}': {e.Message}" }],
                };
            }
        };

    public static McpRequestHandler<GetPromptRequestParams, GetPromptResult> PromptFilter(McpRequestHandler<GetPromptRequestParams, GetPromptResult> next) => AsInvalidParams(next);

    public static McpRequestHandler<ReadResourceRequestParams, ReadResourceResult> ReadResourceFilter(McpRequestHandler<ReadResourceRequestParams, ReadResourceResult> next) => AsInvalidParams(next);

    public static McpRequestHandler<ListResourcesRequestParams, ListResourcesResult> ListResourcesFilter(McpRequestHandler<ListResourcesRequestParams, ListResourcesResult> next) => AsInvalidParams(next);

    public static McpRequestHandler<CompleteRequestParams, CompleteResult> CompleteFilter(McpRequestHandler<CompleteRequestParams, CompleteResult> next) => AsInvalidParams(next);

    public static McpRequestHandler<SubscribeRequestParams, EmptyResult> SubscribeFilter(McpRequestHandler<SubscribeRequestParams, EmptyResult> next) => AsInvalidParams(next);

    public static McpRequestHandler<UnsubscribeRequestParams, EmptyResult> UnsubscribeFilter(McpRequestHandler<UnsubscribeRequestParams, EmptyResult> next) => AsInvalidParams(next);

    private static McpRequestHandler<TParams, TResult> AsInvalidParams<TParams, TResult>(McpRequestHandler<TParams, TResult> next) =>
        async (request, cancellationToken) =>
        {
            try
            {
                return await next(request, cancellationToken);
            }
            catch (DomainException e)
            {
                throw new McpProtocolException(e.Message, McpErrorCode.InvalidParams);
            }
        };
}
