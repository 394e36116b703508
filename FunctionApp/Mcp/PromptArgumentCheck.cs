namespace McpFunctions.Mcp;

/// <summary>
/// Answers <c>prompts/get</c> without a required argument with InvalidParams naming the argument, instead of the
/// SDK binder's generic internal error.
/// </summary>
internal static class PromptArgumentCheck
{
    public static McpRequestHandler<GetPromptRequestParams, GetPromptResult> Filter(McpRequestHandler<GetPromptRequestParams, GetPromptResult> next) =>
        (request, cancellationToken) =>
        {
            var name = request.Params?.Name;
            if (name is not null
                && request.Server.ServerOptions.PromptCollection is { } prompts
                && prompts.TryGetPrimitive(name, out var prompt))
            {
                var given = request.Params!.Arguments;
                var missing = (prompt.ProtocolPrompt.Arguments ?? [])
                    .Where(a => a.Required == true && (given is null || !given.TryGetValue(a.Name, out var value) || value.ValueKind is System.Text.Json.JsonValueKind.Null or System.Text.Json.JsonValueKind.Undefined))
                    .Select(a => $"'{a.Name}'")
                    .ToArray();
                if (missing.Length > 0)
                {
                    throw new McpProtocolException($"Prompt '{name}' needs the argument{(missing.Length > 1 ? "s" : "")} {string.Join(", ", missing)}.", McpErrorCode.InvalidParams);
                }
            }

            return next(request, cancellationToken);
        };
}
