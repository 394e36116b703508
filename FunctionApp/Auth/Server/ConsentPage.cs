using System.Collections.Immutable;
using System.Text;
using OpenIddict.Abstractions;

namespace McpFunctions.Auth.Server;

/// <summary>
/// The page where a signed-in user approves or denies a client: its name, the host its answer goes to, and what
/// each scope allows. The form posts the authorization request back to <c>/authorize</c> with a CSRF token.
/// </summary>
internal static class ConsentPage
{
    /// <summary>The CSP source for the client's redirect: its origin (web and loopback) or its scheme (private-use schemes).</summary>
    private static string? FormTarget(Uri? redirect) =>
        redirect is null ? null
        : redirect.Scheme is "http" or "https" ? redirect.GetLeftPart(UriPartial.Authority)
        : redirect.Scheme + ":";

    public static Task WriteAsync(HttpContext context, OpenIddictRequest request, string clientName, ImmutableArray<string> scopes, string userName)
    {
        var redirectHost = Uri.TryCreate(request.RedirectUri, UriKind.Absolute, out var redirect)
            ? (redirect.IsDefaultPort ? redirect.Host : $"{redirect.Host}:{redirect.Port}")
            : request.RedirectUri;
        var body = new StringBuilder()
            .Append("<p><strong>").Append(HtmlPage.Encode(clientName)).Append("</strong> wants to use this MCP server as <strong>")
            .Append(HtmlPage.Encode(userName)).Append("</strong>.</p>")
            .Append("<p>If you allow it, its access is sent to <code>").Append(HtmlPage.Encode(redirectHost)).Append("</code>.")
            .Append(" Only continue if you started this from that application.</p>")
            .Append("<p>It asks to:</p><ul>");
        foreach (var scope in scopes)
        {
            body.Append("<li>").Append(HtmlPage.Encode(McpScopes.Describe(scope))).Append(" <small>(<code>").Append(HtmlPage.Encode(scope)).Append("</code>)</small></li>");
        }

        body.Append("</ul><p>You can disconnect it at any time on your <a href=\"").Append(AccountPage.Path).Append("\">account page</a>.</p>")
            .Append("<form method=\"post\" action=\"").Append(AuthorizationServer.AuthorizePath).Append("\">")
            .Append(UserSignIn.CsrfField(context));
        foreach (var (name, value) in AuthorizeEndpoint.FormParameters(request))
        {
            body.Append(HtmlPage.Hidden(name, value));
        }

        body.Append("<button type=\"submit\" name=\"decision\" value=\"allow\">Allow</button>")
            .Append("<button type=\"submit\" name=\"decision\" value=\"deny\">Deny</button></form>");
        return HtmlPage.WriteAsync(context, "Allow access?", body.ToString(), formTargets: FormTarget(redirect));
    }
}
