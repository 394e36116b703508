using System.ComponentModel.DataAnnotations;

namespace McpFunctions.Sessions.Streams;

/// <summary>Stored stream events: how many, how long, when they are stored, how a resumed stream follows them (section <c>Mcp</c>).</summary>
internal sealed record EventStoreOptions
{
    /// <summary>How long stored stream events stay replayable with Last-Event-ID.</summary>
    [Range(typeof(TimeSpan), "00:00:10", "1.00:00:00")]
    public TimeSpan EventRetention { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>How long a POST response stream's events wait before they are stored (0: store every event at once).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:10")]
    public TimeSpan EventPersistDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Most events stored per POST response stream; later events are still sent but cannot be replayed.</summary>
    [Range(10, 100_000)]
    public int MaxEventsPerStream { get; init; } = 1_000;

    /// <summary>How often a resumed POST response stream looks for newly stored events.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:00:10")]
    public TimeSpan EventReplayPollInterval { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>How long past the persist delay a resumed stream waits for the writer's first stored events.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan EventFirstWriteGrace { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How long a resumed stream waits without new events before it checks that the writer's instance is alive.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan EventWriterSilenceCheck { get; init; } = TimeSpan.FromSeconds(5);
}

/// <summary>Checks the data annotations on <see cref="EventStoreOptions"/> with source-generated code (no reflection at start-up).</summary>
[OptionsValidator]
internal sealed partial class EventStoreOptionsValidator : IValidateOptions<EventStoreOptions>;
