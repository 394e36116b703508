namespace McpFunctions.Auth;

/// <summary>Sign-in settings (configuration section <c>Auth</c>).</summary>
internal sealed record AuthOptions
{
    public const string SectionName = "Auth";

    /// <summary>
    /// In Development only, treat every loopback request as the fixed local developer, so the server works
    /// before sign-in is configured. Ignored in every other environment.
    /// </summary>
    public bool LocalDeveloperSignIn { get; init; } = true;
}
