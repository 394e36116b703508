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
public sealed class OidcIssuer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly RsaSecurityKey _key;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, PendingCode> _codes = new();

    private sealed record PendingCode(string Tenant, string User, string ClientId, string? Nonce, string RedirectUri);

    /// <summary>How the app authenticated at the token endpoint, per redemption (<c>client_secret</c> or <c>client_assertion</c>).</summary>
    public System.Collections.Concurrent.ConcurrentQueue<string> ClientAuthentications { get; } = new();

    /// <summary>The object id the stand-in gives a user name (stable, a GUID).</summary>
    public static string ObjectIdOf(string user) => new Guid(MD5.HashData(System.Text.Encoding.UTF8.GetBytes(user))).ToString();

    private OidcIssuer(WebApplication app, RsaSecurityKey key, Uri baseAddress)
    {
        _app = app;
        _key = key;
        Instance = baseAddress.ToString();
    }

    /// <summary>The stand-in for <c>https://login.microsoftonline.com/</c>, with a trailing slash.</summary>
    public string Instance { get; }

    public string IssuerOf(string tenant) => $"{Instance}{tenant}/v2.0";

    public static async Task<OidcIssuer> StartAsync()
    {
        var key = new RsaSecurityKey(RSA.Create(2048)) { KeyId = Convert.ToHexString(RandomNumberGenerator.GetBytes(8)) };
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var jwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(new RsaSecurityKey(key.Rsa.ExportParameters(false)) { KeyId = key.KeyId });
        app.MapGet("/{tenant}/v2.0/.well-known/openid-configuration", (HttpContext context, string tenant) =>
        {
            var origin = $"{context.Request.Scheme}://{context.Request.Host}";
            return Results.Json(new Dictionary<string, object>
            {
                ["issuer"] = $"{origin}/{tenant}/v2.0",
                ["jwks_uri"] = $"{origin}/{tenant}/discovery/v2.0/keys",
                ["authorization_endpoint"] = $"{origin}/{tenant}/oauth2/v2.0/authorize",
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
            if (form["grant_type"] != "authorization_code" || !issuer!._codes.TryRemove(form["code"].ToString(), out var pending)
                || pending.Tenant != tenant || pending.RedirectUri != form["redirect_uri"] || pending.ClientId != form["client_id"])
            {
                return Results.Json(new { error = "invalid_grant" }, statusCode: 400);
            }

            issuer.RecordClientAuthentication(form);
            var now = DateTime.UtcNow;
            var objectId = ObjectIdOf(pending.User);
            var idToken = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
            {
                Issuer = issuer.IssuerOf(tenant),
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
                SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.RsaSha256),
            });
            var accessToken = issuer.Issue(tenant, "00000003-0000-0000-c000-000000000000", objectId, "User.Read");
            return Results.Json(new { token_type = "Bearer", id_token = idToken, access_token = accessToken, expires_in = 3600, scope = "openid profile offline_access User.Read" });
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        issuer = new OidcIssuer(app, key, new Uri(address.Replace("[::1]", "127.0.0.1")));
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

    private static string Hidden(string name, string value) =>
        $"<input type=\"hidden\" name=\"{System.Net.WebUtility.HtmlEncode(name)}\" value=\"{System.Net.WebUtility.HtmlEncode(value)}\">";

    private void RecordClientAuthentication(IFormCollection form) =>
        ClientAuthentications.Enqueue(form.ContainsKey("client_assertion") ? "client_assertion" : form.ContainsKey("client_secret") ? "client_secret" : "none");
}
