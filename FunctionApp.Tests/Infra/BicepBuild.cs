using System.Text.Json.Nodes;

namespace McpFunctions.Tests.Infra;

/// <summary>The outcome of <c>bicep build</c>: exit code, the diagnostics it printed, and the ARM template it wrote.</summary>
public sealed record BicepBuild(int ExitCode, string Diagnostics, JsonObject? Template)
{
    /// <summary>Error and warning lines (info-level findings are advice and are left out).</summary>
    public IReadOnlyList<string> Problems { get; } = Diagnostics
        .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .Where(line => line.Contains(" : Error ", StringComparison.Ordinal) || line.Contains(" : Warning ", StringComparison.Ordinal))
        .ToList();

    public ArmTemplate Main => new(Template ?? throw new InvalidOperationException("bicep build wrote no template:\n" + Diagnostics), null, null);
}
