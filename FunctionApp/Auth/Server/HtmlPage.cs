using System.Net;
using System.Text;

namespace McpFunctions.Auth.Server;

/// <summary>
/// The sign-in and consent pages: plain HTML forms that work without JavaScript, sent with headers that forbid
/// framing (clickjacking), caching and cross-site referrers, and a policy that allows no script at all.
/// </summary>
internal static class HtmlPage
{
    /// <summary>
    /// Writes a page. <paramref name="formTargets"/> names where a form on it may lead besides this site: browsers
    /// apply <c>form-action</c> to the redirect that follows a post, so the consent page names the client's redirect.
    /// </summary>
    public static Task WriteAsync(HttpContext context, string title, string body, int status = StatusCodes.Status200OK, string? formTargets = null)
    {
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = "text/html; charset=utf-8";
        response.Headers.CacheControl = "no-store";
        response.Headers.Pragma = "no-cache";
        response.Headers.XFrameOptions = "DENY";
        response.Headers.ContentSecurityPolicy =
            $"default-src 'none'; style-src 'unsafe-inline'; form-action 'self'{(formTargets is null ? "" : " " + formTargets)}; frame-ancestors 'none'; base-uri 'none'";
        // same-origin, not no-referrer: with no-referrer a browser posts the page's own forms with "Origin: null",
        // which the Origin rule must refuse.
        response.Headers["Referrer-Policy"] = "same-origin";
        response.Headers.XContentTypeOptions = "nosniff";
        var html = new StringBuilder()
            .Append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">")
            .Append("<title>").Append(Encode(title)).Append(" · McpFunctions</title>")
            .Append("<style>body{font-family:system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem;line-height:1.5}")
            .Append("button{font-size:1rem;padding:.5rem 1.25rem;margin-right:.5rem}input[type=text]{font-size:1rem;padding:.4rem;width:100%}")
            .Append("code{background:#f3f3f3;padding:0 .25rem}table{border-collapse:collapse}td,th{padding:.3rem .6rem;border-bottom:1px solid #ddd;text-align:left}</style>")
            .Append("</head><body><h1>").Append(Encode(title)).Append("</h1>")
            .Append(body)
            .Append("</body></html>");
        return response.WriteAsync(html.ToString(), context.RequestAborted);
    }

    public static string Encode(string? value) => WebUtility.HtmlEncode(value ?? "");

    public static string Hidden(string name, string? value) =>
        $"<input type=\"hidden\" name=\"{Encode(name)}\" value=\"{Encode(value)}\">";
}
