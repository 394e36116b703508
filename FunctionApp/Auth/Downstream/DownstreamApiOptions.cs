using System.ComponentModel.DataAnnotations;

namespace McpFunctions.Auth.Downstream;

/// <summary>
/// The API that tools call as the signed-in user (configuration section <c>DownstreamApi</c>), for example
/// Microsoft Graph. Unset, no tool calls a downstream API and sign-in asks Entra for nothing more.
/// </summary>
internal sealed record DownstreamApiOptions
{
    public const string SectionName = "DownstreamApi";

    /// <summary>Base URL of the API, such as <c>https://graph.microsoft.com/v1.0/</c>; https (http only on loopback in Development).</summary>
    public Uri? BaseUrl { get; init; }

    /// <summary>Entra delegated scopes the user consents to when signing in, and that the API's tokens carry (<c>User.Read</c>).</summary>
    public string[] Scopes { get; init; } = [];

    /// <summary>How long one call to the API may take, token acquisition included.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:01:00")]
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    public bool IsConfigured => BaseUrl is not null && Scopes.Length > 0;
}

/// <summary>Checks the data annotations on <see cref="DownstreamApiOptions"/> with source-generated code.</summary>
[OptionsValidator]
internal sealed partial class DownstreamApiOptionsValidator : IValidateOptions<DownstreamApiOptions>;
