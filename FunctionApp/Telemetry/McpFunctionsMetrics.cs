using System.Diagnostics.Metrics;

namespace McpFunctions.Telemetry;

/// <summary>The app's own measurements, where no library records them: the session mechanisms' storage round trips.</summary>
internal static class McpFunctionsMetrics
{
    public const string Name = "McpFunctions";

    private static readonly Meter Meter = new(Name, typeof(McpFunctionsMetrics).Assembly.GetName().Version?.ToString(3));
}
