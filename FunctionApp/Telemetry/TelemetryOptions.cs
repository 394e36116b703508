namespace McpFunctions.Telemetry;

/// <summary>Telemetry settings (configuration section <c>Telemetry</c>); the exporters themselves follow the standard variables.</summary>
internal sealed record TelemetryOptions
{
    public const string SectionName = "Telemetry";

    /// <summary>
    /// Writes every finished span to the console. Unset means on in Development (so <c>./run.sh</c> shows one trace
    /// per MCP call) and off elsewhere; the tests and the benchmark turn it off, since console output is slow.
    /// </summary>
    public bool? Console { get; init; }
}
