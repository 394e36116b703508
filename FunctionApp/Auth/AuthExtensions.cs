namespace McpFunctions.Auth;

public static class AuthExtensions
{
    /// <summary>Policy on the MCP endpoints: an authenticated caller.</summary>
    public const string McpCallerPolicy = "McpCaller";

    public static IServiceCollection AddAuth(this IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        var options = configuration.GetSection(AuthOptions.SectionName).Get<AuthOptions>() ?? new AuthOptions();
        services.AddOptions<AuthOptions>().Bind(configuration.GetSection(AuthOptions.SectionName));

        var useLocalDeveloper = environment.IsDevelopment() && options.LocalDeveloperSignIn;
        var scheme = useLocalDeveloper ? LocalDeveloper.SchemeName : SignInNotConfigured.SchemeName;
        var authentication = services.AddAuthentication(scheme);
        if (useLocalDeveloper)
        {
            authentication.AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, LocalDeveloper>(LocalDeveloper.SchemeName, null);
        }
        else
        {
            authentication.AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, SignInNotConfigured>(SignInNotConfigured.SchemeName, null);
        }

        services.AddAuthorizationBuilder()
            .AddPolicy(McpCallerPolicy, policy => policy.RequireAuthenticatedUser());
        return services;
    }
}
