using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.IdentityModel.Tokens;

namespace McpFunctions.Tests.Fixtures;

/// <summary>The client side of the authorization code flow, by hand, for flows and refusals the SDK client does not make.</summary>
public static class OAuthRequests
{
    /// <summary>A PKCE verifier and its S256 challenge.</summary>
    public static (string Verifier, string Challenge) Pkce()
    {
        var verifier = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));
        return (verifier, Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))));
    }

    public static Uri AuthorizeUrl(Uri server, IDictionary<string, string?> parameters) =>
        new(QueryHelpers.AddQueryString(new Uri(server, "/authorize").ToString(), parameters));

    /// <summary>The usual parameters of an MCP client's authorization request; callers change or remove some.</summary>
    public static Dictionary<string, string?> AuthorizeParameters(Uri server, string clientId, string redirectUri, string challenge, string state = "state-123") => new()
    {
        ["response_type"] = "code",
        ["client_id"] = clientId,
        ["redirect_uri"] = redirectUri,
        ["code_challenge"] = challenge,
        ["code_challenge_method"] = "S256",
        ["state"] = state,
        ["scope"] = "notes.read notes.write",
        ["resource"] = new Uri(server, "/mcp").ToString(),
    };

    public static async Task<(int Status, JsonElement Body)> TokenAsync(HttpClient http, IDictionary<string, string> form)
    {
        using var response = await http.PostAsync("/token", new FormUrlEncodedContent(form));
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    public static Task<(int Status, JsonElement Body)> ExchangeAsync(HttpClient http, string clientId, string code, string verifier, string redirectUri, Uri server) =>
        TokenAsync(http, new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code",
            ["client_id"] = clientId,
            ["code"] = code,
            ["code_verifier"] = verifier,
            ["redirect_uri"] = redirectUri,
            ["resource"] = new Uri(server, "/mcp").ToString(),
        });

    public static Task<(int Status, JsonElement Body)> RefreshAsync(HttpClient http, string clientId, string refreshToken) =>
        TokenAsync(http, new Dictionary<string, string>
        {
            ["grant_type"] = "refresh_token",
            ["client_id"] = clientId,
            ["refresh_token"] = refreshToken,
        });

    /// <summary>Registers a public client and returns its id.</summary>
    public static async Task<string> RegisterAsync(HttpClient http, string redirectUri, string name = "Test client")
    {
        using var response = await http.PostAsJsonAsync("/register", new Dictionary<string, object>
        {
            ["redirect_uris"] = new[] { redirectUri },
            ["client_name"] = name,
            ["token_endpoint_auth_method"] = "none",
            ["grant_types"] = new[] { "authorization_code", "refresh_token" },
        });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("client_id").GetString()!;
    }

    /// <summary>An initialize request with a bearer token; the status says whether the token was accepted.</summary>
    public static async Task<System.Net.HttpStatusCode> CallMcpAsync(HttpClient http, string accessToken)
    {
        using var request = McpRequests.Post("/mcp", McpRequests.Initialize);
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", accessToken);
        using var response = await http.SendAsync(request);
        return response.StatusCode;
    }
}
