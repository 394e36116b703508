using McpFunctions.Hosting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Net.Http.Headers;

namespace McpFunctions.Auth;

internal static class AuthExtensions
{
    /// <summary>Policy on the MCP endpoints: an authenticated caller.</summary>
    public const string McpCallerPolicy = "McpCaller";

    public static IServiceCollection AddAuth(this IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        var options = Read(configuration);
        services.AddOptions<AuthOptions>().Bind(configuration.GetSection(AuthOptions.SectionName));
        services.AddSingleton<RelayedUser.Secret>();

        var mode = options.EffectiveMode(environment);
        if (mode == AuthMode.LocalDeveloper && !environment.IsDevelopment())
        {
            throw new StartupConfigurationException($"{AuthOptions.SectionName}:Mode is {mode}, which is allowed only in the Development environment.");
        }

        // The sign-in scheme hands this process's own replayed requests to the relayed-user scheme (a forward
        // selector rather than a policy scheme in front, so an ordinary request costs no extra handler).
        // In the local developer mode a request that carries a token is still validated: by Entra's scheme when it
        // is configured, else it is refused (LocalDeveloper).
        var useLocalDeveloper = mode == AuthMode.LocalDeveloper;
        var entra = EntraTokens.IsConfigured(configuration);
        var authentication = services.AddAuthentication(useLocalDeveloper ? LocalDeveloper.SchemeName : entra ? EntraTokens.SchemeName : SignInNotConfigured.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, RelayedUser>(RelayedUser.SchemeName, null);
        if (entra)
        {
            authentication.AddEntraTokens(configuration, options);
        }

        if (useLocalDeveloper)
        {
            authentication.AddScheme<AuthenticationSchemeOptions, LocalDeveloper>(LocalDeveloper.SchemeName, o => o.ForwardDefaultSelector = context =>
                RelayedUser.SelectFor(context) ?? (entra && context.Request.Headers.ContainsKey(HeaderNames.Authorization) ? EntraTokens.SchemeName : null));
        }
        else if (!entra)
        {
            authentication.AddScheme<AuthenticationSchemeOptions, SignInNotConfigured>(SignInNotConfigured.SchemeName, o => o.ForwardDefaultSelector = RelayedUser.SelectFor);
        }

        services.AddAuthorizationBuilder()
            .AddPolicy(McpCallerPolicy, policy => policy.RequireAuthenticatedUser());
        return services;
    }

    /// <summary>Endpoints the resource server answers without a caller: its protected resource metadata.</summary>
    public static IEndpointRouteBuilder MapAuth(this IEndpointRouteBuilder endpoints) => endpoints.MapProtectedResourceMetadata();

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
