using System.ComponentModel.DataAnnotations;

namespace McpFunctions.Auth;

/// <summary>How callers are known, and the authorization server's lifetimes (configuration section <c>Auth</c>).</summary>
internal sealed record AuthOptions
{
    public const string SectionName = "Auth";

    /// <summary>
    /// <see cref="AuthMode.Entra"/> (the default outside Development), <see cref="AuthMode.LocalDeveloper"/> (the
    /// default in Development) or <see cref="AuthMode.LocalSignIn"/>; the last two are refused outside Development.
    /// </summary>
    public AuthMode? Mode { get; init; }

    /// <summary>
    /// Entra tenant ids whose users may sign in and whose tokens are accepted; empty means the app's own tenant
    /// (<c>AzureAd:TenantId</c>).
    /// </summary>
    public string[] AllowedTenants { get; init; } = [];

    /// <summary>
    /// Issuer URLs that protected resource metadata names for this server; empty means this app's own authorization
    /// server (when it runs one).
    /// </summary>
    public string[] AuthorizationServers { get; init; } = [];

    /// <summary>Lifetime of the access tokens this server issues (signed JWTs, checked without storage).</summary>
    [Range(typeof(TimeSpan), "00:01:00", "01:00:00")]
    public TimeSpan AccessTokenLifetime { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Lifetime of a refresh token; each refresh issues a new one (rotation).</summary>
    [Range(typeof(TimeSpan), "01:00:00", "90.00:00:00")]
    public TimeSpan RefreshTokenLifetime { get; init; } = TimeSpan.FromDays(30);

    /// <summary>Lifetime of an authorization code (single use).</summary>
    [Range(typeof(TimeSpan), "00:00:30", "00:10:00")]
    public TimeSpan AuthorizationCodeLifetime { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How long after a refresh a client may present the same refresh token again (its response was lost) without
    /// the grant being revoked as a replay. Zero turns the grace off.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:30")]
    public TimeSpan RefreshTokenReuseGrace { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How often a new signing key (and encryption key) is made; the previous one stays published for one more period.</summary>
    [Range(typeof(TimeSpan), "1.00:00:00", "365.00:00:00")]
    public TimeSpan SigningKeyRotation { get; init; } = TimeSpan.FromDays(30);

    /// <summary>Dynamic client registrations accepted per client IP address and minute, on each instance.</summary>
    [Range(1, 10_000)]
    public int RegistrationsPerMinute { get; init; } = 20;

    public AuthMode EffectiveMode(IHostEnvironment environment) =>
        Mode ?? (environment.IsDevelopment() ? AuthMode.LocalDeveloper : AuthMode.Entra);
}

/// <summary>Checks the data annotations on <see cref="AuthOptions"/> with source-generated code.</summary>
[OptionsValidator]
internal sealed partial class AuthOptionsValidator : IValidateOptions<AuthOptions>;

/// <summary>Values of <see cref="AuthOptions.Mode"/>.</summary>
internal enum AuthMode
{
    /// <summary>Users sign in with Entra ID through this app's authorization server; Entra access tokens are accepted too.</summary>
    Entra,

    /// <summary>Development only: loopback requests without a token are the fixed local developer (<see cref="LocalDeveloper"/>).</summary>
    LocalDeveloper,

    /// <summary>Development only: the whole OAuth flow, with a local sign-in page (a user name) in place of Entra ID.</summary>
    LocalSignIn,
}
