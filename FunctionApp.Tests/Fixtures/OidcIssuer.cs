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
/// against it. It signs access tokens with its own RSA key.
/// </summary>
public sealed class OidcIssuer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly RsaSecurityKey _key;

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
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return new OidcIssuer(app, key, new Uri(address.Replace("[::1]", "127.0.0.1")));
    }

    /// <summary>An access token as Entra issues them for an API: <c>tid</c>, <c>oid</c>, <c>scp</c>, v2.0 issuer.</summary>
    public string Issue(string tenant, string audience, string objectId, string scopes, TimeSpan? lifetime = null, string? issuer = null, SecurityKey? signingKey = null)
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
                new Claim("scp", scopes),
                new Claim("ver", "2.0"),
            ]),
            SigningCredentials = new SigningCredentials(signingKey ?? _key, SecurityAlgorithms.RsaSha256),
        });
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}
