using System.ComponentModel.DataAnnotations;

namespace McpFunctions.Sessions.Cluster;

/// <summary>How instances find each other (configuration section <c>Mcp</c>).</summary>
internal sealed record ClusterOptions
{
    /// <summary>How often each instance records that it is alive.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan InstanceHeartbeatInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Adds an <c>X-McpFunctions-Instance</c> response header naming the instance that answered (diagnostics).</summary>
    public bool ExposeInstanceHeader { get; init; }
}

/// <summary>Checks the data annotations on <see cref="ClusterOptions"/> with source-generated code (no reflection at start-up).</summary>
[OptionsValidator]
internal sealed partial class ClusterOptionsValidator : IValidateOptions<ClusterOptions>;
