using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.WebUtilities;

namespace McpFunctions.Tests.Fixtures;

/// <summary>
/// A user's browser for the authorization server's plain HTML pages: it follows redirects by hand, keeps cookies,
/// fills the local sign-in form and presses Allow or Deny on the consent page, reading the forms as a browser would.
/// </summary>
public sealed partial class SignInBrowser : IDisposable
{
    private readonly HttpClient _http;
    private readonly string[] _identityProviders;

    /// <param name="identityProviders">Sites the sign-in passes through (an Entra stand-in) rather than returns to.</param>
    public SignInBrowser(params Uri[] identityProviders)
    {
        _identityProviders = identityProviders.Select(u => u.Authority).ToArray();
        Cookies = new CookieContainer();
        _http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = Cookies, UseCookies = true });
    }

    public CookieContainer Cookies { get; }

    /// <summary>The last HTML page shown, for assertions on what the user saw.</summary>
    public string LastPage { get; private set; } = "";

    public HttpResponseMessage? LastResponse { get; private set; }

    /// <summary>
    /// Opens <paramref name="authorizationUri"/>, signs in as <paramref name="user"/> when asked, and presses
    /// <paramref name="decision"/> on the consent page if it appears. Returns the redirect back to the client.
    /// </summary>
    /// <param name="onPage">Sees each HTML page with a form, as the user would.</param>
    public async Task<Uri> AuthorizeAsync(Uri authorizationUri, string user, string decision = "allow", Action<string>? onPage = null, CancellationToken cancellationToken = default)
    {
        var response = await GetAsync(authorizationUri, cancellationToken);
        var current = authorizationUri;
        for (var step = 0; step < 12; step++)
        {
            if (response.StatusCode is HttpStatusCode.Redirect or HttpStatusCode.Found or HttpStatusCode.SeeOther)
            {
                var location = new Uri(current, response.Headers.Location!);
                if (location.Authority != authorizationUri.Authority && !_identityProviders.Contains(location.Authority))
                {
                    return location;
                }

                response = await GetAsync(location, cancellationToken);
                current = location;
                continue;
            }

            var html = LastPage;
            if (response.StatusCode != HttpStatusCode.OK || !html.Contains("<form", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"The authorization server answered {(int)response.StatusCode} without a form: {html}");
            }

            onPage?.Invoke(html);
            var form = Form.Parse(html);
            if (html.Contains("name=\"username\"", StringComparison.Ordinal))
            {
                form.Fields["username"] = user;
            }
            else if (html.Contains("name=\"decision\"", StringComparison.Ordinal))
            {
                form.Fields["decision"] = decision;
            }

            // Any other form is one a browser submits by itself (an identity provider's form_post answer).
            var page = current;
            current = new Uri(current, form.Action);
            response = await PostAsync(current, form.Fields, cancellationToken, from: page);
        }

        throw new InvalidOperationException("The authorization flow did not return to the client within 12 steps.");
    }

    public async Task<HttpResponseMessage> GetAsync(Uri uri, CancellationToken cancellationToken = default)
    {
        var response = await _http.GetAsync(uri, cancellationToken);
        return await KeepAsync(response, cancellationToken);
    }

    /// <summary>Posts a form as a browser does: with the <c>Origin</c> of the page it is on (<paramref name="from"/>, else the target's).</summary>
    public async Task<HttpResponseMessage> PostAsync(Uri uri, IEnumerable<KeyValuePair<string, string>> fields, CancellationToken cancellationToken = default, Uri? from = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = new FormUrlEncodedContent(fields) };
        request.Headers.Add("Origin", (from ?? uri).GetLeftPart(UriPartial.Authority));
        var response = await _http.SendAsync(request, cancellationToken);
        return await KeepAsync(response, cancellationToken);
    }

    /// <summary>The query parameters of a redirect back to the client.</summary>
    public static Dictionary<string, string> Parameters(Uri redirect) =>
        QueryHelpers.ParseQuery(redirect.Query).ToDictionary(p => p.Key, p => p.Value.ToString());

    public void Dispose() => _http.Dispose();

    private async Task<HttpResponseMessage> KeepAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        LastResponse = response;
        LastPage = await response.Content.ReadAsStringAsync(cancellationToken);
        return response;
    }

    /// <summary>The first form on a page: its action and its inputs' names and values.</summary>
    public sealed partial class Form
    {
        public string Action { get; private init; } = "";

        public Dictionary<string, string> Fields { get; } = new(StringComparer.Ordinal);

        public static Form Parse(string html)
        {
            var form = FormTag().Match(html);
            var result = new Form { Action = WebUtility.HtmlDecode(form.Groups["action"].Value) };
            foreach (Match input in HiddenInput().Matches(html[form.Index..]))
            {
                result.Fields[WebUtility.HtmlDecode(input.Groups["name"].Value)] = WebUtility.HtmlDecode(input.Groups["value"].Value);
            }

            return result;
        }

        [GeneratedRegex("<form method=\"post\" action=\"(?<action>[^\"]*)\"")]
        private static partial Regex FormTag();

        [GeneratedRegex("<input type=\"hidden\" name=\"(?<name>[^\"]*)\" value=\"(?<value>[^\"]*)\">")]
        private static partial Regex HiddenInput();
    }
}
