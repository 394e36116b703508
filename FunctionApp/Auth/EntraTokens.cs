using McpFunctions.Hosting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Identity.Web;

namespace McpFunctions.Auth;

/// <summary>
/// Entra-issued access tokens for this app (a pre-authorized client such as VS Code, or a script), validated by
/// Microsoft.Identity.Web: signature and lifetime against the tenant's signing keys, the audience (the app's client id
/// or identifier URI), and an issuer from one of <see cref="AuthOptions.AllowedTenants"/>.
/// </summary>
internal static class EntraTokens
{
    /// <summary>Configuration section Microsoft.Identity.Web reads: <c>Instance</c>, <c>TenantId</c>, <c>ClientId</c>, <c>Audience</c>.</summary>
    public const string SectionName = "AzureAd";

    public const string SchemeName = JwtBearerDefaults.AuthenticationScheme;

    public static bool IsConfigured(IConfiguration configuration) =>
        !string.IsNullOrWhiteSpace(configuration[$"{SectionName}:ClientId"]);

    /// <summary>Adds the Entra scheme; when it is the default scheme, <paramref name="forwardSelector"/> hands other kinds of request on (<see cref="BearerSchemes.Select"/>).</summary>
    public static MicrosoftIdentityWebApiAuthenticationBuilder AddEntraTokens(this AuthenticationBuilder authentication, IConfiguration configuration, AuthOptions options, Func<HttpContext, string?>? forwardSelector)
    {
        var section = configuration.GetSection(SectionName);
        var instance = (section["Instance"] ?? "https://login.microsoftonline.com/").TrimEnd('/') + "/";
        var tenants = AllowedTenants(section, options);
        if (tenants.Length == 0)
        {
            throw new StartupConfigurationException(
                $"{SectionName}:ClientId is set, but no tenant is allowed: set {SectionName}:TenantId or {AuthOptions.SectionName}:AllowedTenants.");
        }

        return authentication.AddMicrosoftIdentityWebApi(
            jwt =>
            {
                jwt.ForwardDefaultSelector = forwardSelector ?? RelayedUser.SelectFor;
                jwt.ForwardChallenge = BearerChallenge.SchemeName;
                // The issuer names the tenant, so this list is the allowed-tenants check: v2.0 and v1.0 tokens.
                jwt.TokenValidationParameters.ValidIssuers = tenants
                    .SelectMany(tenant => new[] { $"{instance}{tenant}/v2.0", $"https://sts.windows.net/{tenant}/" })
                    .ToArray();
                // Claims keep their token names (oid, tid, scp, roles), as Caller reads them.
                jwt.MapInboundClaims = false;
                jwt.Events ??= new JwtBearerEvents();
                var validated = jwt.Events.OnTokenValidated;
                jwt.Events.OnTokenValidated = async context =>
                {
                    await validated(context);
                    // A token for this API that grants nothing (neither a delegated scope nor an app role) is refused.
                    if (context.Principal?.HasClaim(c => c.Type is "scp" or "roles" && c.Value.Length > 0) != true)
                    {
                        context.Fail("The token grants no scope or app role for this API.");
                    }
                };
            },
            identity => section.Bind(identity),
            SchemeName);
    }

    private static string[] AllowedTenants(IConfigurationSection section, AuthOptions options) =>
        options.AllowedTenants.Length > 0
            ? options.AllowedTenants
            : section["TenantId"] is { Length: > 0 } tenant && tenant is not ("common" or "organizations" or "consumers") ? [tenant] : [];
}
