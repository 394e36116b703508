using System.ComponentModel.DataAnnotations;

namespace McpFunctions.Hosting;

/// <summary>Listening, request limits and the Host/Origin allowlist (configuration section <c>Hosting</c>).</summary>
internal sealed record HostingOptions
{
    public const string SectionName = "Hosting";

    /// <summary>Where to listen when neither the Functions host (FUNCTIONS_CUSTOMHANDLER_PORT) nor --urls says.</summary>
    [Required]
    public string DefaultUrl { get; init; } = "http://localhost:7071";

    /// <summary>Browser origins allowed besides loopback ones, e.g. <c>https://claude.ai</c>. <c>*</c> allows any.</summary>
    public string[] AllowedOrigins { get; init; } = [];

    /// <summary>Host names accepted besides loopback and <c>WEBSITE_HOSTNAME</c>. <c>*.example.com</c> matches subdomains; <c>*</c> allows any.</summary>
    public string[] AllowedHosts { get; init; } = [];

    /// <summary>Accept <c>http://localhost:*</c>, <c>http://127.0.0.1:*</c> and <c>http://[::1]:*</c> origins (local tools such as the Inspector).</summary>
    public bool AllowLoopbackOrigins { get; init; } = true;

    /// <summary>Largest request body accepted, in bytes; larger requests get 413.</summary>
    [Range(1024, 100 * 1024 * 1024)]
    public long MaxRequestBodyBytes { get; init; } = 4 * 1024 * 1024;

    /// <summary>
    /// On SIGTERM (scale-in, a deployment), how long requests in flight may take to finish before the process exits;
    /// streams end at once with a reconnection hint. Under the platform's own grace period, so the exit is ours.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00")]
    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(25);
}

/// <summary>Checks the data annotations on <see cref="HostingOptions"/> with source-generated code (no reflection at start-up).</summary>
[OptionsValidator]
internal sealed partial class HostingOptionsValidator : IValidateOptions<HostingOptions>;
