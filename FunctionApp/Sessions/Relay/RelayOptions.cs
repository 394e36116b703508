using System.ComponentModel.DataAnnotations;

namespace McpFunctions.Sessions.Relay;

/// <summary>How often an instance reads its relay inbox (configuration section <c>Mcp</c>).</summary>
internal sealed record RelayOptions
{
    /// <summary>Inbox polling period while this instance holds streams or waits for relayed answers.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:00:10")]
    public TimeSpan RelayPollInterval { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Inbox polling period while this instance holds nothing that relays target.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00")]
    public TimeSpan RelayIdlePollInterval { get; init; } = TimeSpan.FromMilliseconds(250);
}

/// <summary>Checks the data annotations on <see cref="RelayOptions"/> with source-generated code (no reflection at start-up).</summary>
[OptionsValidator]
internal sealed partial class RelayOptionsValidator : IValidateOptions<RelayOptions>;
