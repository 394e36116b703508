using System.Text.Json.Nodes;

namespace McpFunctions.Mcp;

/// <summary>
/// A <c>tools/call</c>, <c>prompts/get</c> or <c>resources/read</c> that names nothing this server has, answered with
/// the protocol's error before the SDK's handler runs. The SDK logs every failure of those handlers as an error with a
/// stack trace, which is right for a tool that crashed and wrong for a client's typo: this one is only a warning's worth.
/// </summary>
internal static class UnknownNames
{
    public static McpProtocolException? Check(MessageContext context)
    {
        if (context.JsonRpcMessage is not JsonRpcRequest { Params: JsonObject parameters } request)
        {
            return null;
        }

        var options = context.Server.ServerOptions;
        switch (request.Method)
        {
            case RequestMethods.ToolsCall when options.Handlers.CallToolHandler is null && options.ToolCollection is { } tools
                && Named(parameters, "name") is { } tool && !tools.TryGetPrimitive(tool, out _):
                return new McpProtocolException($"Unknown tool: '{Shorten(tool)}'. List the available tools with tools/list.", McpErrorCode.InvalidParams);
            case RequestMethods.PromptsGet when options.Handlers.GetPromptHandler is null && options.PromptCollection is { } prompts
                && Named(parameters, "name") is { } prompt && !prompts.TryGetPrimitive(prompt, out _):
                return new McpProtocolException($"Unknown prompt: '{Shorten(prompt)}'. List the available prompts with prompts/list.", McpErrorCode.InvalidParams);
            case RequestMethods.ResourcesRead when Named(parameters, "uri") is { } uri
                && (options.ResourceCollection is not { } resources || (!resources.TryGetPrimitive(uri, out _) && !resources.Any(r => r.IsMatch(uri)))):
                return UnknownResources.NotFound(Shorten(uri), context.Server, $"Resource not found: '{Shorten(uri)}'. List the available resources with resources/list.");
            default:
                return null;
        }
    }

    /// <summary>The named parameter as text; JSON null reads as empty (which names nothing). Other kinds: the SDK's own error.</summary>
    private static string? Named(JsonObject parameters, string name) =>
        !parameters.TryGetPropertyValue(name, out var node) ? null
        : node is null ? ""
        : node.GetValueKind() == JsonValueKind.String ? node.GetValue<string>()
        : null;

    private static string Shorten(string value) => value.Length > 200 ? value[..200] + "…" : value;
}
