using System.Security.Cryptography;
using System.Threading.RateLimiting;
using McpFunctions.Audit;
using McpFunctions.Hosting;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.WebUtilities;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace McpFunctions.Auth.Clients;

/// <summary>
/// Dynamic client registration (RFC 7591) at <c>/register</c>, for clients that have neither a pre-registered id nor
/// a client metadata document (Cursor, mcp-remote, the Inspector).
/// </summary>
/// <remarks>
/// Written here because OpenIddict has no registration endpoint: it takes registrations through its application
/// manager, which this endpoint calls after checking the metadata (the manager hashes a confidential client's secret).
/// </remarks>
internal static class RegistrationEndpoint
{
    public const string RateLimitPolicy = "oauth-registration";
    private const int MaxBodyBytes = 16 * 1024;
    private const int MaxRedirectUris = 10;

    public static async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        if (request.ContentLength > MaxBodyBytes)
        {
            await WriteErrorAsync(context, "invalid_client_metadata", $"The registration is larger than {MaxBodyBytes} bytes.");
            return;
        }

        if (request.ContentType is null || !request.ContentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
        {
            await WriteErrorAsync(context, "invalid_client_metadata", "Send the client metadata as application/json.");
            return;
        }

        ClientRegistration? registration;
        try
        {
            registration = await JsonSerializer.DeserializeAsync(request.Body, RegistrationJson.Default.ClientRegistration, context.RequestAborted);
        }
        catch (JsonException e)
        {
            // The parser's own message names .NET types; the JSON path is what the client can act on.
            await WriteErrorAsync(context, "invalid_client_metadata",
                $"The client metadata must be one JSON object whose fields have the types RFC 7591 gives them; the problem is at {(string.IsNullOrEmpty(e.Path) ? "the start" : e.Path)}.");
            return;
        }

        if (registration is null)
        {
            await WriteErrorAsync(context, "invalid_client_metadata", "The client metadata must be a JSON object.");
            return;
        }

        if (Problem(registration) is { } problem)
        {
            await WriteErrorAsync(context, problem.Error, problem.Description);
            return;
        }

        var confidential = registration.TokenEndpointAuthMethod is not ClientAuthenticationMethods.None;
        var secret = confidential ? WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(32)) : null;
        var descriptor = new OpenIddictApplicationDescriptor
        {
            ClientId = ClientIds.NewRegistered(),
            ClientSecret = secret,
            ClientType = confidential ? ClientTypes.Confidential : ClientTypes.Public,
            ApplicationType = registration.ApplicationType ?? ApplicationTypes.Web,
            ConsentType = ConsentTypes.Explicit,
            DisplayName = string.IsNullOrWhiteSpace(registration.ClientName) ? null : registration.ClientName.Trim(),
        };
        foreach (var uri in registration.RedirectUris!)
        {
            descriptor.RedirectUris.Add(new Uri(uri, UriKind.Absolute));
        }

        descriptor.Requirements.Add(Requirements.Features.ProofKeyForCodeExchange);
        var clients = context.RequestServices.GetRequiredService<IOpenIddictApplicationManager>();
        await clients.CreateAsync(descriptor, context.RequestAborted);
        // Nobody is signed in at registration: the event has a partition of its own.
        context.RequestServices.GetRequiredService<AuditTrail>().Record(AuditRows.NoPrincipalPartition,
            new AuditEvent(AuditKinds.Registration, descriptor.ClientType!, AuditOutcomes.Ok) { ClientId = descriptor.ClientId, ClientName = descriptor.DisplayName });

        context.Response.StatusCode = StatusCodes.Status201Created;
        context.Response.Headers.CacheControl = "no-store";
        await context.Response.WriteAsJsonAsync(new RegisteredClient
        {
            ClientId = descriptor.ClientId,
            ClientSecret = secret,
            ClientSecretExpiresAt = confidential ? 0 : null,
            ClientIdIssuedAt = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            ClientName = descriptor.DisplayName,
            RedirectUris = registration.RedirectUris,
            GrantTypes = registration.GrantTypes ?? [GrantTypes.AuthorizationCode],
            ResponseTypes = [ResponseTypes.Code],
            TokenEndpointAuthMethod = registration.TokenEndpointAuthMethod ?? ClientAuthenticationMethods.ClientSecretBasic,
            ApplicationType = descriptor.ApplicationType,
            Scope = registration.Scope,
        }, RegistrationJson.Default.RegisteredClient, contentType: null, context.RequestAborted);
    }

    /// <summary>The first thing wrong with the metadata, as an RFC 7591 error, or null.</summary>
    public static (string Error, string Description)? Problem(ClientRegistration registration)
    {
        if (registration.ApplicationType is not (null or ApplicationTypes.Web or ApplicationTypes.Native))
        {
            return ("invalid_client_metadata", "application_type must be \"web\" or \"native\".");
        }

        if (registration.RedirectUris is not { Length: > 0 and <= MaxRedirectUris } uris)
        {
            return ("invalid_redirect_uri", $"redirect_uris must list 1-{MaxRedirectUris} URIs.");
        }

        foreach (var uri in uris)
        {
            if (RedirectUris.Problem(uri, registration.ApplicationType == ApplicationTypes.Native) is { } problem)
            {
                return ("invalid_redirect_uri", $"redirect_uris: {problem}.");
            }
        }

        if (registration.TokenEndpointAuthMethod is not (null or ClientAuthenticationMethods.None or ClientAuthenticationMethods.ClientSecretBasic or ClientAuthenticationMethods.ClientSecretPost))
        {
            return ("invalid_client_metadata", "token_endpoint_auth_method must be none, client_secret_basic or client_secret_post.");
        }

        if (registration.GrantTypes is { } grants && (grants.Length == 0 || grants.Any(g => g is not (GrantTypes.AuthorizationCode or GrantTypes.RefreshToken))))
        {
            return ("invalid_client_metadata", "grant_types may hold only authorization_code and refresh_token.");
        }

        if (registration.ResponseTypes is { } responses && (responses.Length == 0 || responses.Any(r => r != ResponseTypes.Code)))
        {
            return ("invalid_client_metadata", "response_types may hold only code.");
        }

        if (registration.ClientName is { Length: > 100 } || registration.ClientName?.Any(char.IsControl) == true)
        {
            return ("invalid_client_metadata", "client_name must be at most 100 characters, without control characters.");
        }

        if (registration.Scope?.Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault(s => !McpScopes.All.Contains(s) && !Server.AuthorizationServer.StandardScopes.Contains(s)) is { } scope)
        {
            return ("invalid_client_metadata", $"The scope '{scope}' is not offered; this server offers: {string.Join(' ', McpScopes.All)}.");
        }

        return null;
    }

    /// <summary>Registrations per client IP address and minute, per instance (<see cref="AuthOptions.RegistrationsPerMinute"/>).</summary>
    public static RateLimitPartition<string> RateLimit(HttpContext context)
    {
        var limit = context.RequestServices.GetRequiredService<IOptionsMonitor<AuthOptions>>().CurrentValue.RegistrationsPerMinute;
        return RateLimitPartition.GetFixedWindowLimiter(context.Connection.RemoteIpAddress?.ToString() ?? "", _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = limit,
            Window = TimeSpan.FromMinutes(1),
            QueueLimit = 0,
        });
    }

    private static Task WriteErrorAsync(HttpContext context, string error, string description) =>
        ErrorResponses.WriteAsync(context, StatusCodes.Status400BadRequest, error, description);
}

/// <summary>The registration request's fields this server reads (RFC 7591 section 2); others are ignored.</summary>
internal sealed record ClientRegistration
{
    [JsonPropertyName("redirect_uris")] public string[]? RedirectUris { get; init; }
    [JsonPropertyName("token_endpoint_auth_method")] public string? TokenEndpointAuthMethod { get; init; }
    [JsonPropertyName("grant_types")] public string[]? GrantTypes { get; init; }
    [JsonPropertyName("response_types")] public string[]? ResponseTypes { get; init; }
    [JsonPropertyName("client_name")] public string? ClientName { get; init; }
    [JsonPropertyName("application_type")] public string? ApplicationType { get; init; }
    [JsonPropertyName("scope")] public string? Scope { get; init; }
}

/// <summary>The registration response (RFC 7591 section 3.2.1).</summary>
internal sealed record RegisteredClient
{
    [JsonPropertyName("client_id")] public required string ClientId { get; init; }
    [JsonPropertyName("client_secret")] public string? ClientSecret { get; init; }
    [JsonPropertyName("client_secret_expires_at")] public long? ClientSecretExpiresAt { get; init; }
    [JsonPropertyName("client_id_issued_at")] public long ClientIdIssuedAt { get; init; }
    [JsonPropertyName("client_name")] public string? ClientName { get; init; }
    [JsonPropertyName("redirect_uris")] public required string[] RedirectUris { get; init; }
    [JsonPropertyName("grant_types")] public required string[] GrantTypes { get; init; }
    [JsonPropertyName("response_types")] public required string[] ResponseTypes { get; init; }
    [JsonPropertyName("token_endpoint_auth_method")] public required string TokenEndpointAuthMethod { get; init; }
    [JsonPropertyName("application_type")] public string? ApplicationType { get; init; }
    [JsonPropertyName("scope")] public string? Scope { get; init; }
}

[JsonSerializable(typeof(ClientRegistration))]
[JsonSerializable(typeof(RegisteredClient))]
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
internal sealed partial class RegistrationJson : JsonSerializerContext;
