using Microsoft.AspNetCore.Authentication;

namespace McpFunctions.Auth;

internal static class AuthExtensions
{
    /// <summary>Policy on the MCP endpoints: an authenticated caller.</summary>
    public const string McpCallerPolicy = "McpCaller";

    /// <summary>The default scheme: the relayed owner for this process's own replayed requests, else the sign-in scheme.</summary>
    private const string CallerScheme = "Caller";

    public static IServiceCollection AddAuth(this IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        var options = configuration.GetSection(AuthOptions.SectionName).Get<AuthOptions>() ?? new AuthOptions();
        services.AddOptions<AuthOptions>().Bind(configuration.GetSection(AuthOptions.SectionName));
        services.AddSingleton<RelayedUser.Secret>();

        var useLocalDeveloper = environment.IsDevelopment() && options.LocalDeveloperSignIn;
        var signInScheme = useLocalDeveloper ? LocalDeveloper.SchemeName : SignInNotConfigured.SchemeName;
        var authentication = services.AddAuthentication(CallerScheme)
            .AddPolicyScheme(CallerScheme, null, policy => policy.ForwardDefaultSelector = context =>
                context.Request.Headers.ContainsKey(RelayedUser.SecretHeader)
                && context.RequestServices.GetRequiredService<RelayedUser.Secret>().Matches(context.Request.Headers[RelayedUser.SecretHeader].ToString())
                    ? RelayedUser.SchemeName
                    : signInScheme)
            .AddScheme<AuthenticationSchemeOptions, RelayedUser>(RelayedUser.SchemeName, null);
        if (useLocalDeveloper)
        {
            authentication.AddScheme<AuthenticationSchemeOptions, LocalDeveloper>(LocalDeveloper.SchemeName, null);
        }
        else
        {
            authentication.AddScheme<AuthenticationSchemeOptions, SignInNotConfigured>(SignInNotConfigured.SchemeName, null);
        }

        services.AddAuthorizationBuilder()
            .AddPolicy(McpCallerPolicy, policy => policy.RequireAuthenticatedUser());
        return services;
    }
}
