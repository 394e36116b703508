using System.Text.Json.Nodes;

namespace McpFunctions.Mcp;

/// <summary>
/// Answers <c>prompts/get</c> without a required argument with InvalidParams naming the argument, instead of the
/// SDK binder's generic internal error. It runs with the incoming-message filter, ahead of the SDK's prompt handler,
/// which would log the refusal as an error with a stack trace (see <see cref="UnknownNames"/>).
/// </summary>
internal static class PromptArgumentCheck
{
    public static McpProtocolException? Check(MessageContext context)
    {
        if (context.JsonRpcMessage is not JsonRpcRequest { Method: RequestMethods.PromptsGet, Params: JsonObject parameters }
            || !parameters.TryGetPropertyValue("name", out var nameNode) || nameNode?.GetValueKind() != JsonValueKind.String
            || context.Server.ServerOptions.PromptCollection is not { } prompts
            || !prompts.TryGetPrimitive(nameNode.GetValue<string>(), out var prompt))
        {
            return null;
        }

        var given = parameters.TryGetPropertyValue("arguments", out var arguments) ? arguments as JsonObject : null;
        var missing = (prompt.ProtocolPrompt.Arguments ?? [])
            .Where(a => a.Required == true && (given is null || !given.TryGetPropertyValue(a.Name, out var value) || value is null))
            .Select(a => $"'{a.Name}'")
            .ToArray();
        return missing.Length > 0
            ? new McpProtocolException($"Prompt '{prompt.ProtocolPrompt.Name}' needs the argument{(missing.Length > 1 ? "s" : "")} {string.Join(", ", missing)}.", McpErrorCode.InvalidParams)
            : null;
    }
}
