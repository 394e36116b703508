using System.Text;
using McpFunctions.Audit;
using McpFunctions.Auth.Stores;
using McpFunctions.Storage;
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
        body += await ActivityAsync(context, subject);
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

        await services.GetRequiredService<GrantRevocation>().RevokeAsync(grant.Id, tokensRevokedByOpenIddict: false, GrantRevocation.ByUser, grant.ClientId, context.RequestAborted);
        context.Response.Redirect(Path);
    }


    /// <summary>
    /// The user's own audit rows (their partition only), newest first, a page at a time: <c>?before=</c> names the last
    /// row of the previous page.
    /// </summary>
    private static async Task<string> ActivityAsync(HttpContext context, string subject)
    {
        var services = context.RequestServices;
        if (!services.GetRequiredService<AuditTrail>().Enabled)
        {
            return "";
        }

        var before = AuditRows.ValidRowKey(context.Request.Query["before"]);
        var page = await AuditRows.ReadPageAsync(services.GetRequiredService<StorageTables>(), StorageKey.Encode(subject), before, context.RequestAborted);
        var html = new StringBuilder("<h2 id=\"activity\">Recent activity</h2>");
        if (page.Count == 0)
        {
            return html.Append(before is null ? "<p>Nothing recorded yet.</p>" : "<p>No older activity.</p>").ToString();
        }

        html.Append("<table><tr><th>When (UTC)</th><th>What</th><th>Application</th><th>Outcome</th></tr>");
        foreach (var row in page)
        {
            var e = row.Event;
            html.Append("<tr><td>").Append(HtmlPage.Encode(row.OccurredAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture))).Append("</td>")
                .Append("<td>").Append(HtmlPage.Encode(Describe(e))).Append("</td>")
                .Append("<td>").Append(HtmlPage.Encode(e.ClientName ?? e.ClientId ?? "")).Append("</td>")
                .Append("<td>").Append(HtmlPage.Encode(e.Outcome)).Append(e.DurationMs is { } ms ? HtmlPage.Encode($" ({ms:0} ms)") : "").Append("</td></tr>");
        }

        html.Append("</table>");
        if (page.Count == AuditRows.PageSize)
        {
            html.Append("<p><a href=\"").Append(Path).Append("?before=").Append(page[^1].RowKey).Append("#activity\">Older</a></p>");
        }

        return html.ToString();
    }

    private static string Describe(AuditEvent e) => e.Kind switch
    {
        AuditKinds.SignIn => $"Signed in ({e.Action})",
        AuditKinds.Consent => e.Action switch { "deny" => "Denied an application", "remembered" => "Connected an application (approved before)", _ => "Approved an application" },
        AuditKinds.Token => e.Action == "refresh_token" ? "Tokens refreshed" : "Tokens issued",
        AuditKinds.Revocation => e.Action switch { GrantRevocation.ByUser => "Disconnected an application", GrantRevocation.ByReplay => "Connection revoked: a used token was presented again", _ => "The application signed out" },
        AuditKinds.ToolCall => e.Calls > 1 ? $"Tool {e.Action} ({e.Calls} calls)" : $"Tool {e.Action}",
        _ => $"{e.Kind} {e.Action}",
    };

    private static async Task<string?> SubjectAsync(HttpContext context) => (await UserSignIn.UserAsync(context))?.Id;
}
