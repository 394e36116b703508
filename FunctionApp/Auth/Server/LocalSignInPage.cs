using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;

namespace McpFunctions.Auth.Server;

/// <summary>
/// <see cref="AuthMode.LocalSignIn"/>: a page that stands in for Entra sign-in on a developer's machine. Any user
/// name signs in as <c>local:{name}</c>; it exists only in Development and answers only loopback requests.
/// </summary>
internal static class LocalSignInPage
{
    public const string Path = "/signin/local";

    public static IEndpointRouteBuilder MapLocalSignIn(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(Path, (HttpContext context) => RenderAsync(context, null));
        endpoints.MapPost(Path, SignInAsync).DisableAntiforgery();
        return endpoints;
    }

    private static async Task SignInAsync(HttpContext context)
    {
        if (!context.Request.HasFormContentType)
        {
            await RenderAsync(context, "Send the form on this page.", StatusCodes.Status400BadRequest);
            return;
        }

        if (!await context.RequestServices.GetRequiredService<IAntiforgery>().IsRequestValidAsync(context))
        {
            await RenderAsync(context, "The form expired or did not come from this page. Try again.", StatusCodes.Status400BadRequest);
            return;
        }

        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        var name = form["username"].ToString().Trim();
        if (name.Length is 0 or > 32 || !name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '.'))
        {
            await RenderAsync(context, "A user name is 1-32 characters of a-z, 0-9, '-' and '.'.", StatusCodes.Status400BadRequest);
            return;
        }

        await context.SignInAsync(UserSignIn.Scheme, UserSignIn.Principal($"local:{name}", name, "local"));
        UserSignIn.Audit(context, $"local:{name}", "local", allowed: true);
        context.Response.Redirect(UserSignIn.LocalReturnUrl(form["returnUrl"]));
    }

    private static Task RenderAsync(HttpContext context, string? error, int status = StatusCodes.Status200OK)
    {
        var returnUrl = UserSignIn.LocalReturnUrl(context.Request.HasFormContentType ? context.Request.Form["returnUrl"] : context.Request.Query["returnUrl"]);
        var body =
            "<p>This is the <strong>local sign-in</strong> page of a development server: it stands in for Entra ID. Type any user name.</p>"
            + (error is null ? "" : $"<p role=\"alert\"><strong>{HtmlPage.Encode(error)}</strong></p>")
            + $"<form method=\"post\" action=\"{Path}\">"
            + UserSignIn.CsrfField(context)
            + HtmlPage.Hidden("returnUrl", returnUrl)
            + "<p><label for=\"username\">User name</label><br><input type=\"text\" id=\"username\" name=\"username\" autocomplete=\"username\" required maxlength=\"32\" pattern=\"[a-z0-9.\\-]+\"></p>"
            + "<p><button type=\"submit\">Sign in</button></p></form>";
        return HtmlPage.WriteAsync(context, "Sign in", body, status);
    }
}
