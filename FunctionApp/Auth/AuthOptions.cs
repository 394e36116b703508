namespace McpFunctions.Auth;

/// <summary>How callers are known (configuration section <c>Auth</c>).</summary>
internal sealed record AuthOptions
{
    public const string SectionName = "Auth";

    /// <summary>
    /// <see cref="AuthMode.Entra"/> (the default outside Development) or <see cref="AuthMode.LocalDeveloper"/> (the
    /// default in Development, and refused anywhere else).
    /// </summary>
    public AuthMode? Mode { get; init; }

    /// <summary>
    /// Entra tenant ids whose tokens are accepted in <see cref="AuthMode.Entra"/> mode; empty means the app's own
    /// tenant (<c>AzureAd:TenantId</c>).
    /// </summary>
    public string[] AllowedTenants { get; init; } = [];

    /// <summary>Issuer URLs of the authorization servers that protected resource metadata names for this server.</summary>
    public string[] AuthorizationServers { get; init; } = [];

    public AuthMode EffectiveMode(IHostEnvironment environment) =>
        Mode ?? (environment.IsDevelopment() ? AuthMode.LocalDeveloper : AuthMode.Entra);
}

/// <summary>Values of <see cref="AuthOptions.Mode"/>.</summary>
internal enum AuthMode
{
    /// <summary>Callers present access tokens; without a valid one a request gets 401 with a Bearer challenge.</summary>
    Entra,

    /// <summary>Development only: loopback requests are the fixed local developer (<see cref="LocalDeveloper"/>).</summary>
    LocalDeveloper,
}
