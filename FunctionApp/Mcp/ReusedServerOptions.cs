#pragma warning disable MCP9005, MCPEXP002 // a faithful copy includes the deprecated and experimental options too

namespace McpFunctions.Mcp;

/// <summary>
/// Builds <see cref="McpServerOptions"/> once and hands out shallow copies.
/// </summary>
/// <remarks>
/// The SDK asks the options factory for fresh options on every stateless (2026-07-28) request and on every session
/// migration, which re-runs every configure step: re-collecting all tools, prompts and resources and re-wrapping
/// the authorization filters, a cost that grows with each tool added. A copy shares the collections, handlers and
/// filters exactly as stateful sessions already share the single options instance, while its own property slots
/// keep per-server changes (the SDK sets <c>ScopeRequests</c> or the known client info on its copy) apart.
/// </remarks>
internal sealed class ReusedServerOptions(IServiceProvider services) : IOptionsFactory<McpServerOptions>
{
    // The configure steps are resolved on first Create, not here: resolving them builds every tool (reflection,
    // JSON schemas), which start-up can then do in the background instead of while mapping endpoints.
    private readonly Lazy<OptionsFactory<McpServerOptions>> _factory = new(() => new OptionsFactory<McpServerOptions>(
        services.GetServices<IConfigureOptions<McpServerOptions>>(),
        services.GetServices<IPostConfigureOptions<McpServerOptions>>(),
        services.GetServices<IValidateOptions<McpServerOptions>>()));
    private readonly Dictionary<string, McpServerOptions> _built = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public McpServerOptions Create(string name)
    {
        McpServerOptions template;
        lock (_gate)
        {
            if (!_built.TryGetValue(name, out template!))
            {
                _built[name] = template = _factory.Value.Create(name);
            }
        }

        return Copy(template);
    }

    /// <summary>Every public read-write property of the options (a test checks none is missed after an SDK update).</summary>
    internal static McpServerOptions Copy(McpServerOptions template) => new()
    {
        ServerInfo = template.ServerInfo,
        Capabilities = template.Capabilities,
        ProtocolVersion = template.ProtocolVersion,
        InitializationTimeout = template.InitializationTimeout,
        ServerInstructions = template.ServerInstructions,
        ScopeRequests = template.ScopeRequests,
        KnownClientInfo = template.KnownClientInfo,
        KnownClientCapabilities = template.KnownClientCapabilities,
        Handlers = template.Handlers,
        Filters = template.Filters,
        ToolCollection = template.ToolCollection,
        ResourceCollection = template.ResourceCollection,
        PromptCollection = template.PromptCollection,
        MaxSamplingOutputTokens = template.MaxSamplingOutputTokens,
        RequestHandlers = template.RequestHandlers,
    };
}
