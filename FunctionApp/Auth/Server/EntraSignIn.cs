using McpFunctions.Hosting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.Identity.Web;

namespace McpFunctions.Auth.Server;

/// <summary>
/// Entra ID sign-in for the authorization server's pages (authorize, consent, account), through Microsoft.Identity.Web's
/// OpenID Connect handler. The app's Entra credential is whatever <c>AzureAd:ClientCredentials</c> names; deployed,
/// that is a federated credential of the app's managed identity (<c>SignedAssertionFromManagedIdentity</c>), so no
/// client secret exists. The signed-in user is kept in <see cref="UserSignIn"/>'s cookie.
/// </summary>
internal static class EntraSignIn
{
    public const string SchemeName = "EntraSignIn";
    public const string CallbackPath = "/signin-oidc";

    /// <summary>
    /// Users can sign in with Entra when the app registration, its tenant and a credential are configured. Without a
    /// credential the app only accepts Entra's own access tokens (a resource server, no authorization server).
    /// </summary>
    public static bool IsConfigured(IConfiguration configuration)
    {
        var section = configuration.GetSection(EntraTokens.SectionName);
        return EntraTokens.IsConfigured(configuration)
            && !string.IsNullOrWhiteSpace(section["TenantId"])
            && (!string.IsNullOrEmpty(section["ClientSecret"]) || ManagedIdentityClientId(section) is not null);
    }

    public static MicrosoftIdentityWebAppAuthenticationBuilder AddEntraSignIn(this AuthenticationBuilder authentication, IConfiguration configuration, AuthOptions options, bool requireHttps)
    {
        var section = configuration.GetSection(EntraTokens.SectionName);
        var tenants = options.AllowedTenants.Length > 0 ? options.AllowedTenants : [section["TenantId"]!];
        var builder = authentication.AddMicrosoftIdentityWebApp(
            identity =>
            {
                section.Bind(identity);
                identity.CallbackPath = CallbackPath;
                identity.ResponseType = "code";
                identity.Events ??= new OpenIdConnectEvents();
                var codeReceived = identity.Events.OnAuthorizationCodeReceived;
                identity.Events.OnAuthorizationCodeReceived = async context =>
                {
                    await codeReceived(context);
                    // Deployed, the app proves itself to Entra with its managed identity (a federated credential), so
                    // no secret exists; the code is redeemed with that assertion (Microsoft.Identity.Web obtains it).
                    // With a downstream API, Microsoft.Identity.Web has already redeemed the code with that credential.
                    if (!context.HandledCodeRedemption && string.IsNullOrEmpty(context.Options.ClientSecret) && ManagedIdentityClientId(section) is { } managedIdentity
                        && context.TokenEndpointRequest is { } request)
                    {
                        var assertion = new ManagedIdentityClientAssertion(managedIdentity);
                        request.ClientAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
                        request.ClientAssertion = await assertion.GetSignedAssertionAsync(null);
                    }
                };
                identity.Events.OnRemoteFailure = async context =>
                {
                    // A refused or broken sign-in is the user's to retry, not a server error.
                    context.HandleResponse();
                    await HtmlPage.WriteAsync(context.HttpContext, "Sign-in did not complete",
                        "<p>Signing in with your organization's account did not complete, so nothing was approved. Go back to your application and connect again.</p>"
                        + (context.Failure?.Message.Contains("not allowed", StringComparison.Ordinal) == true ? "<p>Your organization is not allowed to use this server.</p>" : ""),
                        StatusCodes.Status400BadRequest);
                };
                var validated = identity.Events.OnTokenValidated;
                identity.Events.OnTokenValidated = async context =>
                {
                    await validated(context);
                    // A user from a tenant that is not allowed does not get a session here, whatever the authority.
                    var tenant = context.Principal?.FindFirst("http://schemas.microsoft.com/identity/claims/tenantid")?.Value
                        ?? context.Principal?.FindFirst("tid")?.Value;
                    var allowed = tenant is not null && tenants.Contains(tenant, StringComparer.OrdinalIgnoreCase);
                    if (!allowed)
                    {
                        context.Fail("This account's organization is not allowed to use this server.");
                    }

                    if (Caller.TryIdOf(context.Principal) is { } userId)
                    {
                        UserSignIn.Audit(context.HttpContext, userId, "entra", allowed);
                    }
                };
            },
            cookie => UserSignIn.ConfigureCookie(cookie, requireHttps),
            SchemeName,
            UserSignIn.Scheme);

        // Entra answers with a form post from its own origin.
        authentication.Services.AddSingleton(new CrossSiteFormCallback(CallbackPath));

        // The issuer names the tenant, so this list is the allowed-tenants check (as for Entra access tokens).
        var instance = (section["Instance"] ?? "https://login.microsoftonline.com/").TrimEnd('/') + "/";
        authentication.Services.PostConfigure<OpenIdConnectOptions>(SchemeName, oidc =>
        {
            oidc.TokenValidationParameters.IssuerValidator = null;
            oidc.TokenValidationParameters.ValidIssuers = tenants.Select(tenant => $"{instance}{tenant}/v2.0").ToArray();
        });

        if (!requireHttps)
        {
            // A Development run over plain http (loopback) cannot keep Secure cookies.
            authentication.Services.Configure<OpenIdConnectOptions>(SchemeName, oidc =>
            {
                oidc.CorrelationCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                oidc.NonceCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            });
        }

        if (tenants.Length == 0 || tenants.Any(string.IsNullOrWhiteSpace))
        {
            throw new StartupConfigurationException($"Entra sign-in needs {EntraTokens.SectionName}:TenantId or {AuthOptions.SectionName}:AllowedTenants.");
        }

        return builder;
    }

    /// <summary>The user-assigned managed identity named by a <c>SignedAssertionFromManagedIdentity</c> credential, or null.</summary>
    private static string? ManagedIdentityClientId(IConfigurationSection section) =>
        section.GetSection("ClientCredentials").GetChildren()
            .FirstOrDefault(c => c["SourceType"] == "SignedAssertionFromManagedIdentity")?["ManagedIdentityClientId"];
}
