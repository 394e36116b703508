using System.ComponentModel.DataAnnotations;

namespace McpFunctions.Mcp;

/// <summary>MCP transport and session settings (configuration section <c>Mcp</c>).</summary>
internal sealed record McpOptions
{
    public const string SectionName = "Mcp";

    /// <summary>A session with no request for this long expires everywhere; the client must initialize again.</summary>
    [Range(typeof(TimeSpan), "00:00:05", "1.00:00:00")]
    public TimeSpan SessionIdleTimeout { get; init; } = TimeSpan.FromHours(1);

    /// <summary>How long an instance trusts its cached copy of a session row before reading it again.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan SessionCacheTtl { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Last-seen time is written at most this often per session (it moves the expiry forward).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan SessionTouchInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long stored stream events stay replayable with Last-Event-ID.</summary>
    [Range(typeof(TimeSpan), "00:00:10", "1.00:00:00")]
    public TimeSpan EventRetention { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// How long a POST response stream's events wait before they are stored. A call answered in full within this
    /// time is never stored (nobody will replay it); 0 stores every event at once.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:10")]
    public TimeSpan EventPersistDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How often a resumed POST response stream looks for newly stored events.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:00:10")]
    public TimeSpan EventReplayPollInterval { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// How long past <see cref="EventPersistDelay"/> a resumed stream waits for the writer's first stored events
    /// before it concludes that nothing was stored.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan EventFirstWriteGrace { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How long a resumed stream waits without new events before it checks that the writing instance is alive.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan EventWriterSilenceCheck { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Most events stored per POST response stream; later events are still sent but cannot be replayed.</summary>
    [Range(10, 100_000)]
    public int MaxEventsPerStream { get; init; } = 1_000;

    /// <summary>Inbox polling period while this instance holds streams or waits for relayed answers.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:00:10")]
    public TimeSpan RelayPollInterval { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Inbox polling period while this instance holds nothing that relays target.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00")]
    public TimeSpan RelayIdlePollInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>How often each instance records that it is alive.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan InstanceHeartbeatInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Adds the fixtures the official MCP conformance suite calls by name (test_* tools, test:// resources and
    /// prompts). Development only: the app refuses to start with it anywhere else.
    /// </summary>
    public bool ConformanceFixtures { get; init; }

    /// <summary>Adds an <c>X-McpFunctions-Instance</c> response header naming the instance that answered (diagnostics).</summary>
    public bool ExposeInstanceHeader { get; init; }

    /// <summary>How often expired sessions, events and relay rows are swept.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan SweepInterval { get; init; } = TimeSpan.FromMinutes(5);
}

/// <summary>Checks the data annotations on <see cref="McpOptions"/> with source-generated code (no reflection at start-up).</summary>
[OptionsValidator]
internal sealed partial class McpOptionsValidator : IValidateOptions<McpOptions>;
