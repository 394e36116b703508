using System.Text;
using McpFunctions.Auth.Stores;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using OpenIddict.Abstractions;

namespace McpFunctions.Auth.Server;

/// <summary>
/// <c>/account</c>: the signed-in user's connected clients (name, scopes, when last used), each with a Disconnect
/// button. Disconnecting revokes the grant and its refresh tokens at once, and its access tokens within
/// <see cref="RevokedGrants.PollInterval"/> on every instance.
/// </summary>
internal static class AccountPage
{
    public const string Path = "/account";
    public const string RevokePath = "/account/revoke";

    public static IEndpointRouteBuilder MapAccountPage(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(Path, RenderAsync);
        endpoints.MapPost(RevokePath, RevokeAsync).DisableAntiforgery();
        return endpoints;
    }

    private static async Task RenderAsync(HttpContext context)
    {
        if (await SubjectAsync(context) is not { } subject)
        {
            await UserSignIn.ChallengeAsync(context, Path);
            return;
        }

        var services = context.RequestServices;
        var grants = services.GetRequiredService<OAuthGrantStore>();
        var clients = services.GetRequiredService<IOpenIddictApplicationManager>();
        var rows = new StringBuilder();
        await foreach (var grant in grants.FindAsync(subject, null, OpenIddictConstants.Statuses.Valid, null, null, context.RequestAborted))
        {
            var client = grant.ClientId is null ? null : await clients.FindByIdAsync(grant.ClientId, context.RequestAborted);
            var name = client is null ? grant.ClientId : await clients.GetDisplayNameAsync(client, context.RequestAborted) ?? grant.ClientId;
            var scopes = string.Join(", ", OAuthRows.ReadList(grant.Scopes).Select(McpScopes.Describe));
            rows.Append("<tr><td>").Append(HtmlPage.Encode(name)).Append("<br><small><code>").Append(HtmlPage.Encode(grant.ClientId)).Append("</code></small></td>")
                .Append("<td>").Append(HtmlPage.Encode(scopes)).Append("</td>")
                .Append("<td>").Append(HtmlPage.Encode(grant.LastUsedAt?.ToString("yyyy-MM-dd HH:mm 'UTC'") ?? "never")).Append("</td>")
                .Append("<td><form method=\"post\" action=\"").Append(RevokePath).Append("\">").Append(UserSignIn.CsrfField(context))
                .Append(HtmlPage.Hidden("grant", grant.Id)).Append("<button type=\"submit\">Disconnect</button></form></td></tr>");
        }

        var body = rows.Length == 0
            ? "<p>No application is connected to your account.</p>"
            : $"<p>These applications can use this MCP server as you.</p><table><tr><th>Application</th><th>Allowed to</th><th>Last used</th><th></th></tr>{rows}</table>";
        await HtmlPage.WriteAsync(context, "Connected applications", body);
    }

    private static async Task RevokeAsync(HttpContext context)
    {
        if (await SubjectAsync(context) is not { } subject)
        {
            await HtmlPage.WriteAsync(context, "Sign in first", $"<p><a href=\"{Path}\">Sign in</a> to manage your applications.</p>", StatusCodes.Status401Unauthorized);
            return;
        }

        if (!context.Request.HasFormContentType || !await context.RequestServices.GetRequiredService<IAntiforgery>().IsRequestValidAsync(context))
        {
            await HtmlPage.WriteAsync(context, "Nothing was changed", $"<p>The form expired or was not sent from this site. <a href=\"{Path}\">Try again</a>.</p>", StatusCodes.Status400BadRequest);
            return;
        }

        var grantId = (await context.Request.ReadFormAsync(context.RequestAborted))["grant"].ToString();
        var services = context.RequestServices;
        var grant = await services.GetRequiredService<OAuthGrantStore>().FindByIdAsync(grantId, context.RequestAborted);
        if (grant is null || grant.Subject != subject)
        {
            // Another user's grant is treated exactly like one that does not exist.
            await HtmlPage.WriteAsync(context, "No such application", $"<p>That connection is not on your account. <a href=\"{Path}\">Back</a>.</p>", StatusCodes.Status404NotFound);
            return;
        }

        await services.GetRequiredService<GrantRevocation>().RevokeAsync(grant.Id, tokensRevokedByOpenIddict: false, context.RequestAborted);
        context.Response.Redirect(Path);
    }


    private static async Task<string?> SubjectAsync(HttpContext context) => (await UserSignIn.UserAsync(context))?.Id;
}
