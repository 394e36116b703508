using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Antiforgery;

namespace McpFunctions.Auth.Server;

/// <summary>
/// The browser session of a user at the authorization server (a cookie, an hour long), set after Entra sign-in or
/// the local sign-in page. It only lets the user approve clients and manage them on the account page; MCP requests
/// never accept it.
/// </summary>
internal static class UserSignIn
{
    public const string Scheme = "McpFunctions.User";

    /// <summary>The user's id: the same <c>{tid}.{oid}</c> (or local name) that keys their data and our tokens' <c>sub</c>.</summary>
    public const string SubjectClaim = "sub";

    public const string NameClaim = "name";

    /// <summary>
    /// Cookies: <c>__Host-</c> names (Secure, host-only, path /) on https. A plain-http loopback run in Development
    /// cannot set Secure cookies for every client, so there the names drop the prefix.
    /// </summary>
    public static void AddUserSignIn(this AuthenticationBuilder authentication, bool requireHttps, string loginPath)
    {
        var prefix = requireHttps ? "__Host-" : "";
        authentication.AddCookie(Scheme, cookie =>
        {
            cookie.Cookie.Name = prefix + "mcp-user";
            cookie.Cookie.HttpOnly = true;
            cookie.Cookie.SameSite = SameSiteMode.Lax;
            cookie.Cookie.SecurePolicy = requireHttps ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest;
            cookie.Cookie.Path = "/";
            cookie.ExpireTimeSpan = TimeSpan.FromHours(1);
            cookie.SlidingExpiration = false;
            cookie.LoginPath = loginPath;
            cookie.ReturnUrlParameter = "returnUrl";
            cookie.ForwardDefaultSelector = null;
        });

        authentication.Services.AddAntiforgery(antiforgery =>
        {
            antiforgery.Cookie.Name = prefix + "mcp-csrf";
            antiforgery.Cookie.SecurePolicy = requireHttps ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest;
            antiforgery.Cookie.Path = "/";
            antiforgery.FormFieldName = "csrf";
            antiforgery.HeaderName = null;
            antiforgery.SuppressXFrameOptionsHeader = true;
        });
    }

    public static ClaimsPrincipal Principal(string subject, string name, string authenticationMethod) =>
        new(new ClaimsIdentity([new Claim(SubjectClaim, subject), new Claim(NameClaim, name), new Claim("amr", authenticationMethod)], Scheme, NameClaim, "roles"));

    /// <summary>A path on this site to return to after sign-in; anything else (another host, <c>//host</c>, a backslash) becomes "/".</summary>
    public static string LocalReturnUrl(string? value) =>
        !string.IsNullOrEmpty(value) && value[0] == '/' && (value.Length == 1 || (value[1] != '/' && value[1] != '\\')) && !value.Any(char.IsControl)
            ? value
            : "/";

    public static string CsrfField(HttpContext context)
    {
        var tokens = context.RequestServices.GetRequiredService<IAntiforgery>().GetAndStoreTokens(context);
        return HtmlPage.Hidden(tokens.FormFieldName, tokens.RequestToken);
    }
}
