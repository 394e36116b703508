using McpFunctions.Auth.Clients;
using McpFunctions.Auth.Downstream;
using McpFunctions.Auth.Server;
using McpFunctions.Hosting;
using McpFunctions.Mcp;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.RateLimiting;

namespace McpFunctions.Auth;

internal static class AuthExtensions
{
    /// <summary>Policy on the MCP endpoints: an authenticated caller.</summary>
    public const string McpCallerPolicy = "McpCaller";

    public static IServiceCollection AddAuth(this IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        var options = Read(configuration);
        services.AddValidatedOptions<AuthOptions, AuthOptionsValidator>(configuration, AuthOptions.SectionName);
        services.AddSingleton<RelayedUser.Secret>();
        services.AddValidatedOptions<DownstreamApiOptions, DownstreamApiOptionsValidator>(configuration, DownstreamApiOptions.SectionName);
        services.AddHttpClient<DownstreamApi>();
        var downstream = configuration.GetSection(DownstreamApiOptions.SectionName).Get<DownstreamApiOptions>() ?? new DownstreamApiOptions();

        var mode = options.EffectiveMode(environment);
        if (mode != AuthMode.Entra && !environment.IsDevelopment())
        {
            throw new StartupConfigurationException($"{AuthOptions.SectionName}:Mode is {mode}, which is allowed only in the Development environment.");
        }

        if (configuration.GetValue<bool>($"{ClientMetadataDocumentOptions.SectionName}:AllowLoopback") && !environment.IsDevelopment())
        {
            throw new StartupConfigurationException($"{ClientMetadataDocumentOptions.SectionName}:AllowLoopback is a test setting, allowed only in the Development environment.");
        }

        // This app is the authorization server when users can sign in to it: locally, or with Entra ID.
        var entraSignIn = mode == AuthMode.Entra && EntraSignIn.IsConfigured(configuration);
        var server = mode == AuthMode.LocalSignIn || entraSignIn;
        var entra = EntraTokens.IsConfigured(configuration);
        var schemes = new BearerSchemes(server, entra);
        services.AddSingleton(new AuthorizationServerState(server, entraSignIn ? EntraSignIn.SchemeName : UserSignIn.Scheme, LoopbackOnly: mode == AuthMode.LocalSignIn));

        // The default scheme looks at the token itself, handing other kinds (relayed, Entra) on through its forward
        // selector; every challenge ends in BearerChallenge, so a 401 reads the same whoever refused the token.
        var defaultScheme = mode == AuthMode.LocalDeveloper ? LocalDeveloper.SchemeName
            : server ? AuthorizationServer.TokenScheme
            : entra ? EntraTokens.SchemeName
            : BearerChallenge.SchemeName;
        var authentication = services.AddAuthentication(o =>
            {
                o.DefaultScheme = defaultScheme;
                o.DefaultChallengeScheme = mode == AuthMode.LocalDeveloper ? LocalDeveloper.SchemeName : BearerChallenge.SchemeName;
            })
            .AddScheme<AuthenticationSchemeOptions, RelayedUser>(RelayedUser.SchemeName, null)
            .AddScheme<AuthenticationSchemeOptions, BearerChallenge>(BearerChallenge.SchemeName, o => o.ForwardDefaultSelector = RelayedUser.SelectFor);
        Microsoft.Identity.Web.MicrosoftIdentityWebApiAuthenticationBuilder? entraTokens = null;
        if (entra)
        {
            entraTokens = authentication.AddEntraTokens(configuration, options, defaultScheme == EntraTokens.SchemeName ? schemes.Select : null);
        }

        if (mode == AuthMode.LocalDeveloper)
        {
            authentication.AddScheme<AuthenticationSchemeOptions, LocalDeveloper>(LocalDeveloper.SchemeName, o => o.ForwardDefaultSelector = schemes.Select);
        }

        if (server)
        {
            var requireHttps = !environment.IsDevelopment();
            services.AddAuthorizationServer(options, requireHttps);
            authentication.AddOwnTokens(schemes.Select);
            authentication.AddUserSignIn(requireHttps, localSignIn: !entraSignIn);
            if (entraSignIn)
            {
                var signIn = authentication.AddEntraSignIn(configuration, options, requireHttps);
                if (downstream.IsConfigured)
                {
                    DownstreamTokens.Enable(signIn, entraTokens, downstream, options, environment);
                }
            }

            services.AddSingleton<IAuthenticationSchemeProvider, OAuthPathSchemes>();
            services.AddRateLimiter(limiter =>
            {
                limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
                limiter.AddPolicy(RegistrationEndpoint.RateLimitPolicy, RegistrationEndpoint.RateLimit);
                limiter.OnRejected = AddressRateLimit.OnRejectedAsync;
            });
            services.AddOptions<RateLimiterOptions>().Configure<IOptionsMonitor<RateLimitOptions>>((limiter, limits) =>
                limiter.GlobalLimiter = AddressRateLimit.Create(limits));
        }

        var policies = services.AddAuthorizationBuilder()
            .AddPolicy(McpCallerPolicy, policy => policy.RequireAuthenticatedUser());
        foreach (var scope in McpScopes.All)
        {
            // One policy per scope, named after it ([RequiresScope] names the policy).
            policies.AddPolicy(scope, policy => policy.RequireAuthenticatedUser().RequireAssertion(context => McpScopes.IsHeldBy(context.User, scope)));
        }

        // Tools that call the downstream API as the user: only when tokens for it can be had, and only for Entra users.
        var downstreamCalls = entraSignIn && downstream.IsConfigured;
        policies.AddPolicy(DownstreamTokens.CallerPolicy, policy => policy.RequireAuthenticatedUser()
            .RequireAssertion(context => downstreamCalls && DownstreamTokens.IsEntraUser(context.User)));

        return services;
    }

    /// <summary>The authorization server's endpoints and pages (when it runs) ahead of authentication.</summary>
    public static WebApplication UseAuth(this WebApplication app)
    {
        var state = app.Services.GetRequiredService<AuthorizationServerState>();
        if (state.LoopbackOnly)
        {
            // The local sign-in page lets anyone be anyone: this machine only.
            app.Use((context, next) => context.Connection.RemoteIpAddress is { } remote && System.Net.IPAddress.IsLoopback(remote)
                ? next(context)
                : Hosting.ErrorResponses.WriteAsync(context, StatusCodes.Status403Forbidden, "forbidden", "The local sign-in mode answers only requests from this machine."));
        }

        if (state.Enabled)
        {
            // Per address, before the authorization server answers anything (it answers some requests in middleware).
            // MCP routes are limited per user instead, after authentication (UseMcpSessions).
            app.UseWhen(context => !McpRoutes.IsAny(context.Request.Path), branch => branch.UseRateLimiter());
            app.UseAuthorizationServer();
        }

        app.UseAuthentication();
        return app;
    }

    /// <summary>After authorization: a tool call the caller's scopes do not cover gets 403 with a step-up challenge.</summary>
    public static WebApplication UseToolScopes(this WebApplication app)
    {
        app.UseMiddleware<ToolScopeStepUp>();
        return app;
    }

    /// <summary>Endpoints answered without a caller: protected resource metadata, and the authorization server's pages.</summary>
    public static IEndpointRouteBuilder MapAuth(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapProtectedResourceMetadata();
        if (endpoints.ServiceProvider.GetRequiredService<AuthorizationServerState>().Enabled)
        {
            endpoints.MapAuthorizationServer();
            endpoints.MapPost(AuthorizationServer.RegisterPath, RegistrationEndpoint.HandleAsync).DisableAntiforgery().RequireRateLimiting(RegistrationEndpoint.RateLimitPolicy);
            endpoints.MapAccountPage();
            if (endpoints.ServiceProvider.GetRequiredService<AuthorizationServerState>().SignInScheme == UserSignIn.Scheme)
            {
                endpoints.MapLocalSignIn();
            }
        }

        return endpoints;
    }

    private static AuthOptions Read(IConfiguration configuration)
    {
        try
        {
            return configuration.GetSection(AuthOptions.SectionName).Get<AuthOptions>() ?? new AuthOptions();
        }
        catch (InvalidOperationException)
        {
            throw new StartupConfigurationException(
                $"{AuthOptions.SectionName}:Mode is '{configuration[$"{AuthOptions.SectionName}:Mode"]}'; use one of: {string.Join(", ", Enum.GetNames<AuthMode>())}.");
        }
    }
}

/// <summary>
/// Whether this app runs its own authorization server, and the scheme that signs a user in to it (the local sign-in
/// page's cookie, or Entra's OpenID Connect); decided at start-up from <see cref="AuthOptions.Mode"/>. In the local
/// sign-in mode (<c>LoopbackOnly</c>) every request from another machine is refused.
/// </summary>
internal sealed record AuthorizationServerState(bool Enabled, string SignInScheme, bool LoopbackOnly = false);
