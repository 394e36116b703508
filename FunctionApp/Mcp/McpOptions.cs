using System.ComponentModel.DataAnnotations;

namespace McpFunctions.Mcp;

/// <summary>MCP transport settings (configuration section <c>Mcp</c>).</summary>
public sealed record McpOptions
{
    public const string SectionName = "Mcp";

    /// <summary>A session with no request for this long is closed; the client must initialize again.</summary>
    [Range(typeof(TimeSpan), "00:00:05", "1.00:00:00")]
    public TimeSpan SessionIdleTimeout { get; init; } = TimeSpan.FromHours(1);
}
