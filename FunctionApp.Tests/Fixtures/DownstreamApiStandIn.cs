using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace McpFunctions.Tests.Fixtures;

/// <summary>
/// A downstream API on a loopback port, in Microsoft Graph's shape (<c>GET /me</c>): it accepts only an access token
/// of the Entra stand-in for its own audience with its scope, and answers the token's user. It records every
/// Authorization header it receives, so tests can see which token reached it.
/// </summary>
public sealed class DownstreamApiStandIn : IAsyncDisposable
{
    public const string Audience = "api://downstream-standin";
    public const string Scope = Audience + "/Profile.Read";

    private readonly WebApplication _app;

    private DownstreamApiStandIn(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
    }

    /// <summary>http://127.0.0.1:{port}/v1.0/</summary>
    public Uri BaseAddress { get; }

    /// <summary>The bearer tokens that reached the API, in order.</summary>
    public ConcurrentQueue<string> ReceivedTokens { get; } = new();

    /// <summary>When set, every call is answered with this status and no body.</summary>
    public HttpStatusCode? Failure { get; set; }

    public static async Task<DownstreamApiStandIn> StartAsync(OidcIssuer issuer, string tenant)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        DownstreamApiStandIn? api = null;
        app.MapGet("/v1.0/me", async (HttpContext context) =>
        {
            var header = context.Request.Headers.Authorization.ToString();
            var token = header.StartsWith("Bearer ", StringComparison.Ordinal) ? header["Bearer ".Length..] : "";
            api!.ReceivedTokens.Enqueue(token);
            if (api.Failure is { } failure)
            {
                return Results.StatusCode((int)failure);
            }

            var user = await issuer.ValidateAsync(token, tenant, Audience);
            if (user is null || user.FindFirst("scp")?.Value.Split(' ').Contains("Profile.Read") != true)
            {
                return Results.Json(new { error = new { code = "InvalidAuthenticationToken" } }, statusCode: 401);
            }

            var objectId = user.FindFirst("oid")!.Value;
            return Results.Json(new
            {
                id = objectId,
                displayName = "Directory user " + objectId[..8],
                mail = objectId[..8] + "@contoso.example",
                userPrincipalName = objectId[..8] + "@contoso.example",
                jobTitle = "Engineer",
                officeLocation = (string?)null,
            });
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        api = new DownstreamApiStandIn(app, new Uri(new Uri(address.Replace("[::1]", "127.0.0.1")), "/v1.0/"));
        return api;
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}
