using System.Net;
using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace McpFunctions.Tests.Fixtures;

/// <summary>
/// A small OpenID Connect issuer on a loopback port that stands in for Entra ID: per-tenant discovery documents in
/// Entra's shape (<c>{instance}{tenant}/v2.0</c>) and a JWKS, so Microsoft.Identity.Web's real validation runs
/// against it. It signs access tokens with its own RSA key, and signs users in: its authorize endpoint shows a user
/// name form, answers the app with a code (form_post), and its token endpoint redeems the code for an ID token.
/// </summary>
/// <remarks>
/// Started <c>posingAs</c> Entra's own instance (<c>https://login.microsoftonline.com/</c>), it names itself so in
/// its issuer and back-channel endpoints, for MSAL, which accepts only https authorities and knows that host without
/// asking the network; <see cref="Routing"/> carries those requests to the stand-in. Then its token endpoint also
/// answers as Entra does for token acquisition: <c>client_info</c>, refresh tokens, access tokens for the requested
/// scope's resource, and on-behalf-of (<see cref="TokenRequests"/> records each grant type).
/// </remarks>
public sealed class OidcIssuer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly RsaSecurityKey _key;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, PendingCode> _codes = new();

    private sealed record PendingCode(string Tenant, string User, string ClientId, string? Nonce, string RedirectUri);

    private sealed record IssuedRefresh(string Tenant, string ObjectId, string ClientId);

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, IssuedRefresh> _refreshTokens = new();

    /// <summary>How long the access tokens of a sign-in, refresh or on-behalf-of last (MSAL renews any within 5 minutes of expiry).</summary>
    public TimeSpan UserTokenLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Refuses every refresh token issued so far, as Entra does once a user's consent or session is revoked.</summary>
    public void ForgetRefreshTokens() => _refreshTokens.Clear();

    /// <summary>The grant type of every token request, in order (with the assertion of an on-behalf-of request).</summary>
    public System.Collections.Concurrent.ConcurrentQueue<(string GrantType, string? Assertion)> TokenRequests { get; } = new();

    /// <summary>How the app authenticated at the token endpoint, per redemption (<c>client_secret</c> or <c>client_assertion</c>).</summary>
    public System.Collections.Concurrent.ConcurrentQueue<string> ClientAuthentications { get; } = new();

    /// <summary>The object id the stand-in gives a user name (stable, a GUID).</summary>
    public static string ObjectIdOf(string user) => new Guid(MD5.HashData(System.Text.Encoding.UTF8.GetBytes(user))).ToString();

    private OidcIssuer(WebApplication app, RsaSecurityKey key, Uri baseAddress, string? posingAs)
    {
        _app = app;
        _key = key;
        Address = baseAddress;
        Instance = posingAs ?? baseAddress.ToString();
    }

    /// <summary>The instance the app is configured with (<c>AzureAd:Instance</c>), with a trailing slash: the stand-in's address, or the one it poses as.</summary>
    public string Instance { get; }

    /// <summary>Where the stand-in really listens (a browser goes there to sign in).</summary>
    public Uri Address { get; }

    /// <summary>Sends requests for the posed-as host to the stand-in; any other request goes out unchanged.</summary>
    public HttpMessageHandler Routing() => new HostRouting(new Uri(Instance), Address);

    public string IssuerOf(string tenant) => $"{Instance}{tenant}/v2.0";

    public static async Task<OidcIssuer> StartAsync(string? posingAs = null)
    {
        var key = new RsaSecurityKey(RSA.Create(2048)) { KeyId = Convert.ToHexString(RandomNumberGenerator.GetBytes(8)) };
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var jwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(new RsaSecurityKey(key.Rsa.ExportParameters(false)) { KeyId = key.KeyId });
        app.MapGet("/{tenant}/v2.0/.well-known/openid-configuration", (HttpContext context, string tenant) =>
        {
            var own = $"{context.Request.Scheme}://{context.Request.Host}";
            var origin = posingAs?.TrimEnd('/') ?? own;
            return Results.Json(new Dictionary<string, object>
            {
                ["issuer"] = $"{origin}/{tenant}/v2.0",
                ["jwks_uri"] = $"{origin}/{tenant}/discovery/v2.0/keys",
                ["authorization_endpoint"] = $"{own}/{tenant}/oauth2/v2.0/authorize",
                ["token_endpoint"] = $"{origin}/{tenant}/oauth2/v2.0/token",
                ["response_types_supported"] = new[] { "code" },
                ["subject_types_supported"] = new[] { "pairwise" },
                ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
            });
        });
        app.MapGet("/{tenant}/discovery/v2.0/keys", () => Results.Json(new
        {
            keys = new[] { new { kty = jwk.Kty, use = "sig", kid = jwk.Kid, n = jwk.N, e = jwk.E, alg = "RS256" } },
        }));
        OidcIssuer? issuer = null;
        app.MapGet("/{tenant}/oauth2/v2.0/authorize", (HttpContext context, string tenant) =>
        {
            var fields = string.Concat(context.Request.Query.Select(p => Hidden(p.Key, p.Value.ToString())));
            return Results.Content(
                $"<html><body><h1>Sign in (Entra stand-in)</h1><form method=\"post\" action=\"/{tenant}/oauth2/v2.0/authorize\">{fields}<input type=\"text\" name=\"username\"></form></body></html>",
                "text/html");
        });
        app.MapPost("/{tenant}/oauth2/v2.0/authorize", async (HttpContext context, string tenant) =>
        {
            var form = await context.Request.ReadFormAsync();
            var code = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
            var redirect = form["redirect_uri"].ToString();
            issuer!._codes[code] = new PendingCode(tenant, form["username"].ToString(), form["client_id"].ToString(), form["nonce"].ToString(), redirect);
            return Results.Content(
                $"<html><body><form method=\"post\" action=\"{System.Net.WebUtility.HtmlEncode(redirect)}\">{Hidden("code", code)}{Hidden("state", form["state"].ToString())}</form></body></html>",
                "text/html");
        });
        app.MapPost("/{tenant}/oauth2/v2.0/token", async (HttpContext context, string tenant) =>
        {
            var form = await context.Request.ReadFormAsync();
            var grantType = form["grant_type"].ToString();
            issuer!.TokenRequests.Enqueue((grantType, form["assertion"].ToString() is { Length: > 0 } assertion ? assertion : null));
            return grantType switch
            {
                "authorization_code" => issuer.RedeemCode(form, tenant),
                "refresh_token" => issuer.Refresh(form, tenant),
                "urn:ietf:params:oauth:grant-type:jwt-bearer" => await issuer.OnBehalfOfAsync(form, tenant),
                _ => Results.Json(new { error = "unsupported_grant_type" }, statusCode: 400),
            };
        });
        // MSAL may ask which aliases an instance has; answer as Entra's public cloud does.
        app.MapGet("/common/discovery/instance", (HttpContext context) => Results.Json(new Dictionary<string, object>
        {
            ["tenant_discovery_endpoint"] = $"{posingAs ?? ""}common/v2.0/.well-known/openid-configuration",
            ["api-version"] = "1.1",
            ["metadata"] = new[] { new { preferred_network = new Uri(posingAs ?? "https://localhost/").Host, preferred_cache = new Uri(posingAs ?? "https://localhost/").Host, aliases = new[] { new Uri(posingAs ?? "https://localhost/").Host } } },
        }));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        issuer = new OidcIssuer(app, key, new Uri(address.Replace("[::1]", "127.0.0.1")), posingAs);
        return issuer;
    }

    /// <summary>An access token as Entra issues them for an API: <c>tid</c>, <c>oid</c>, <c>scp</c>, v2.0 issuer.</summary>
    /// <param name="roles">App roles (an app-only token, or a user's roles), as Entra writes them: one <c>roles</c> claim each.</param>
    public string Issue(string tenant, string audience, string objectId, string scopes, TimeSpan? lifetime = null, string? issuer = null, SecurityKey? signingKey = null, string[]? roles = null)
    {
        var now = DateTime.UtcNow;
        var expires = now + (lifetime ?? TimeSpan.FromMinutes(10));
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer ?? IssuerOf(tenant),
            Audience = audience,
            IssuedAt = lifetime < TimeSpan.Zero ? expires - TimeSpan.FromMinutes(10) : now,
            NotBefore = lifetime < TimeSpan.Zero ? expires - TimeSpan.FromMinutes(10) : now,
            Expires = expires,
            Subject = new ClaimsIdentity(
            [
                new Claim("tid", tenant),
                new Claim("oid", objectId),
                new Claim("sub", "pairwise-" + objectId),
                new Claim("name", "Entra user " + objectId[..4]),
                new Claim("ver", "2.0"),
                .. scopes.Length > 0 ? [new Claim("scp", scopes)] : Array.Empty<Claim>(),
                .. (roles ?? []).Select(role => new Claim("roles", role)),
            ]),
            SigningCredentials = new SigningCredentials(signingKey ?? _key, SecurityAlgorithms.RsaSha256),
        });
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    /// <summary>Checks a token this stand-in issued (as Entra's keys would): its signature, issuer and audience.</summary>
    public async Task<System.Security.Claims.ClaimsIdentity?> ValidateAsync(string token, string tenant, string audience)
    {
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = IssuerOf(tenant),
            ValidAudience = audience,
            IssuerSigningKey = _key,
        });
        return result.IsValid ? result.ClaimsIdentity : null;
    }

    private IResult RedeemCode(IFormCollection form, string tenant)
    {
        if (!_codes.TryRemove(form["code"].ToString(), out var pending)
            || pending.Tenant != tenant || pending.RedirectUri != form["redirect_uri"] || pending.ClientId != form["client_id"])
        {
            return Results.Json(new { error = "invalid_grant" }, statusCode: 400);
        }

        RecordClientAuthentication(form);
        var now = DateTime.UtcNow;
        var objectId = ObjectIdOf(pending.User);
        var idToken = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = IssuerOf(tenant),
            Audience = pending.ClientId,
            IssuedAt = now,
            NotBefore = now,
            Expires = now.AddMinutes(30),
            Subject = new ClaimsIdentity(
            [
                new Claim("tid", tenant),
                new Claim("oid", objectId),
                new Claim("sub", "pairwise-" + objectId),
                new Claim("name", "Entra " + pending.User),
                new Claim("preferred_username", pending.User + "@contoso.example"),
                new Claim("nonce", pending.Nonce ?? ""),
                new Claim("ver", "2.0"),
            ]),
            SigningCredentials = new SigningCredentials(_key, SecurityAlgorithms.RsaSha256),
        });
        return Results.Json(UserTokens(tenant, objectId, pending.ClientId, form["scope"].ToString()) with { id_token = idToken });
    }

    private IResult Refresh(IFormCollection form, string tenant)
    {
        if (!_refreshTokens.TryRemove(form["refresh_token"].ToString(), out var issued) || issued.Tenant != tenant || issued.ClientId != form["client_id"])
        {
            return Results.Json(new { error = "invalid_grant" }, statusCode: 400);
        }

        RecordClientAuthentication(form);
        return Results.Json(UserTokens(tenant, issued.ObjectId, issued.ClientId, form["scope"].ToString()));
    }

    /// <summary>On-behalf-of: the assertion must be a token of this stand-in for the calling app (its client id).</summary>
    private async Task<IResult> OnBehalfOfAsync(IFormCollection form, string tenant)
    {
        var clientId = form["client_id"].ToString();
        if (form["requested_token_use"] != "on_behalf_of"
            || await ValidateAsync(form["assertion"].ToString(), tenant, clientId) is not { } user
            || user.FindFirst("oid")?.Value is not { } objectId)
        {
            return Results.Json(new { error = "invalid_grant" }, statusCode: 400);
        }

        RecordClientAuthentication(form);
        return Results.Json(UserTokens(tenant, objectId, clientId, form["scope"].ToString()));
    }

    private sealed record TokenResponse(string token_type, string access_token, int expires_in, string scope, string refresh_token, string client_info, string? id_token = null);

    /// <summary>
    /// Tokens for the resource of the requested scopes (<c>api://x/Scope</c>; bare scopes are Microsoft Graph's),
    /// a refresh token, and <c>client_info</c>: the account's home ids, as MSAL expects from Entra.
    /// </summary>
    private TokenResponse UserTokens(string tenant, string objectId, string clientId, string scope)
    {
        var resourceScopes = scope.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(s => s is not ("openid" or "profile" or "offline_access")).ToArray();
        var resource = resourceScopes.FirstOrDefault(s => s.Contains("://", StringComparison.Ordinal)) is { } qualified
            ? qualified[..qualified.LastIndexOf('/')]
            : "00000003-0000-0000-c000-000000000000";
        var scopeNames = resourceScopes.Select(s => s[(s.LastIndexOf('/') + 1)..]);
        var refresh = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        _refreshTokens[refresh] = new IssuedRefresh(tenant, objectId, clientId);
        var clientInfo = Base64UrlEncoder.Encode(System.Text.Json.JsonSerializer.Serialize(new { uid = objectId, utid = tenant }));
        return new TokenResponse("Bearer", Issue(tenant, resource, objectId, string.Join(' ', scopeNames), UserTokenLifetime), (int)UserTokenLifetime.TotalSeconds,
            string.Join(' ', resourceScopes.Length > 0 ? resourceScopes : ["User.Read"]), refresh, clientInfo);
    }

    private sealed class HostRouting(Uri from, Uri to) : DelegatingHandler(new SocketsHttpHandler())
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.RequestUri is { } uri && string.Equals(uri.Host, from.Host, StringComparison.OrdinalIgnoreCase))
            {
                request.RequestUri = new UriBuilder(uri) { Scheme = to.Scheme, Host = to.Host, Port = to.Port }.Uri;
            }

            return base.SendAsync(request, cancellationToken);
        }
    }

    private static string Hidden(string name, string value) =>
        $"<input type=\"hidden\" name=\"{System.Net.WebUtility.HtmlEncode(name)}\" value=\"{System.Net.WebUtility.HtmlEncode(value)}\">";

    private void RecordClientAuthentication(IFormCollection form) =>
        ClientAuthentications.Enqueue(form.ContainsKey("client_assertion") ? "client_assertion" : form.ContainsKey("client_secret") ? "client_secret" : "none");
}
