using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace McpFunctions.Bench;

/// <summary>
/// Gets an access token from McpFunctions in local sign-in mode the way a client does: registration, then the
/// authorization code flow with PKCE through the sign-in and consent forms, then the token endpoint.
/// </summary>
internal static partial class BenchSignIn
{
    private const string Callback = "http://127.0.0.1:1/callback";

    public static async Task<string> AccessTokenAsync(Uri server, CancellationToken cancellationToken)
    {
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() }) { BaseAddress = server };
        using var registration = await RegisterAsync(http, cancellationToken);
        var clientId = (await registration.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("client_id").GetString()!;

        var verifier = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var challenge = Convert.ToBase64String(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var resource = new Uri(server, "/mcp").ToString();
        var next = new Uri(server, $"/authorize?response_type=code&client_id={clientId}&redirect_uri={Uri.EscapeDataString(Callback)}&code_challenge={challenge}&code_challenge_method=S256&scope=notes.read%20notes.write%20files.read%20files.write%20preferences.read%20preferences.write&resource={Uri.EscapeDataString(resource)}&state=bench");
        var response = await http.GetAsync(next, cancellationToken);
        for (var step = 0; step < 10; step++)
        {
            if (response.StatusCode == HttpStatusCode.Redirect)
            {
                var location = new Uri(next, response.Headers.Location!);
                if (location.ToString().StartsWith(Callback, StringComparison.Ordinal))
                {
                    var code = Regex.Match(location.Query, "[?&]code=([^&]+)").Groups[1].Value;
                    using var token = await http.PostAsync("/token", new FormUrlEncodedContent(new Dictionary<string, string>
                    {
                        ["grant_type"] = "authorization_code",
                        ["client_id"] = clientId,
                        ["code"] = Uri.UnescapeDataString(code),
                        ["code_verifier"] = verifier,
                        ["redirect_uri"] = Callback,
                        ["resource"] = resource,
                    }), cancellationToken);
                    token.EnsureSuccessStatusCode();
                    return "Bearer " + (await token.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("access_token").GetString();
                }

                next = location;
                response = await http.GetAsync(next, cancellationToken);
                continue;
            }

            var page = await response.Content.ReadAsStringAsync(cancellationToken);
            var action = FormAction().Match(page).Groups[1].Value;
            var fields = HiddenInput().Matches(page).ToDictionary(m => WebUtility.HtmlDecode(m.Groups[1].Value), m => WebUtility.HtmlDecode(m.Groups[2].Value));
            fields[page.Contains("name=\"username\"", StringComparison.Ordinal) ? "username" : "decision"] = page.Contains("name=\"username\"", StringComparison.Ordinal) ? "bench" : "allow";
            next = new Uri(server, WebUtility.HtmlDecode(action));
            response = await http.PostAsync(next, new FormUrlEncodedContent(fields), cancellationToken);
        }

        throw new InvalidOperationException("The sign-in flow did not reach the callback.");
    }

    /// <summary>Registers as soon as the just-started server listens (within 60 s).</summary>
    private static async Task<HttpResponseMessage> RegisterAsync(HttpClient http, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                var response = await http.PostAsJsonAsync("/register", new Dictionary<string, object>
                {
                    ["redirect_uris"] = new[] { Callback },
                    ["client_name"] = "McpFunctions bench",
                    ["token_endpoint_auth_method"] = "none",
                }, cancellationToken);
                return response.EnsureSuccessStatusCode();
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(50, cancellationToken);
            }
        }
    }

    [GeneratedRegex("<form method=\"post\" action=\"([^\"]*)\"")]
    private static partial Regex FormAction();

    [GeneratedRegex("<input type=\"hidden\" name=\"([^\"]*)\" value=\"([^\"]*)\">")]
    private static partial Regex HiddenInput();
}
