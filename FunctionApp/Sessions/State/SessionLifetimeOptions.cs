using System.ComponentModel.DataAnnotations;

namespace McpFunctions.Sessions.State;

/// <summary>Session lifetime and caching (configuration section <c>Mcp</c>).</summary>
internal sealed record SessionLifetimeOptions
{
    /// <summary>A session with no request for this long expires everywhere; the client must initialize again.</summary>
    [Range(typeof(TimeSpan), "00:00:05", "1.00:00:00")]
    public TimeSpan SessionIdleTimeout { get; init; } = TimeSpan.FromHours(1);

    /// <summary>
    /// A session with no request in flight for this long leaves this instance's memory (the SDK's session object; the
    /// cached row goes at the next sweep). Its next request restores it from its row, as any other instance would:
    /// the session itself lives on until <see cref="SessionIdleTimeout"/>.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:05", "1.00:00:00")]
    public TimeSpan SessionMemoryIdleTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>How long an instance trusts its cached copy of a session row before reading it again.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan SessionCacheTtl { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// When storage does not answer, how old a cached session row may be and still route a request (reads only; a
    /// change to the session still needs storage). 0 turns it off: such requests get 503.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan SessionStaleOnStorageFault { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Last-seen time is written at most this often per session (it moves the expiry forward).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan SessionTouchInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How often expired sessions, events and relay rows are swept.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan SweepInterval { get; init; } = TimeSpan.FromMinutes(5);
}

/// <summary>Checks the data annotations on <see cref="SessionLifetimeOptions"/> with source-generated code (no reflection at start-up).</summary>
[OptionsValidator]
internal sealed partial class SessionLifetimeOptionsValidator : IValidateOptions<SessionLifetimeOptions>;
