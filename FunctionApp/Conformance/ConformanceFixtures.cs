namespace McpFunctions.Conformance;

/// <summary>
/// Adds the tools, resources and prompts the official MCP conformance suite calls by name. They run inside the
/// normal app, so every scenario goes through the real middleware, session entity, event store and storage.
/// </summary>
internal static class ConformanceFixtures
{
    public const string SettingName = "Mcp:ConformanceFixtures";

    public static IMcpServerBuilder WithConformanceFixtures(this IMcpServerBuilder builder)
    {
        builder.WithTools<ConformanceTools>()
            .WithTools<ConformanceStatelessTools>()
            .WithTools<ConformanceInputRequiredTools>()
            .WithTools<ConformanceTaskTools>()
            .WithResources<ConformanceResources>()
            .WithPrompts<ConformancePrompts>();

        // Its input schema must reach clients verbatim (JSON Schema 2020-12 keywords), so it is set by hand.
        builder.Services.AddSingleton(_ =>
        {
            var tool = McpServerTool.Create(
                (JsonElement? name) => $"JSON Schema 2020-12 tool called with: {name}",
                new McpServerToolCreateOptions { Name = "json_schema_2020_12_tool", Description = "Tool with JSON Schema 2020-12 features" });
            tool.ProtocolTool.InputSchema = JsonElement.Parse(ConformanceContent.JsonSchema202012);
            return tool;
        });
        return builder;
    }
}
