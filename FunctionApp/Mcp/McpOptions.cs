using McpFunctions.Sessions.State;
using McpFunctions.Sessions.Streams;

namespace McpFunctions.Mcp;

/// <summary>
/// MCP server settings (configuration section <c>Mcp</c>). The session mechanisms read their own settings from the
/// same section: SessionLifetimeOptions, EventStoreOptions, RelayOptions and ClusterOptions, each in its folder.
/// </summary>
internal sealed record McpOptions
{
    public const string SectionName = "Mcp";

    /// <summary>
    /// Adds the fixtures the official MCP conformance suite calls by name (test_* tools, test:// resources and
    /// prompts). Development only: the app refuses to start with it anywhere else.
    /// </summary>
    public bool ConformanceFixtures { get; init; }
}
