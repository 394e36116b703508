using System.ComponentModel.DataAnnotations;

namespace McpFunctions.Audit;

/// <summary>The audit trail (configuration section <c>Audit</c>): whether it is written, how long rows are kept, how much may wait.</summary>
internal sealed record AuditOptions
{
    public const string SectionName = "Audit";

    /// <summary>Whether events are recorded at all; when off, nothing is queued and the account page shows no activity.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>How long a row is kept; <see cref="AuditSweeper"/> deletes older rows.</summary>
    [Range(typeof(TimeSpan), "1.00:00:00", "3650.00:00:00")]
    public TimeSpan Retention { get; init; } = TimeSpan.FromDays(90);

    /// <summary>Events that may wait in memory for the background writer; beyond it new events are dropped and counted.</summary>
    [Range(100, 1_000_000)]
    public int QueueCapacity { get; init; } = 10_000;
}

/// <summary>Checks the data annotations on <see cref="AuditOptions"/> with source-generated code.</summary>
[OptionsValidator]
internal sealed partial class AuditOptionsValidator : IValidateOptions<AuditOptions>;
