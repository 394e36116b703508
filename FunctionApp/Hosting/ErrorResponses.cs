using McpFunctions.Mcp;

namespace McpFunctions.Hosting;

/// <summary>Error bodies for requests refused before they reach an endpoint: JSON-RPC on MCP routes, OAuth-style JSON elsewhere.</summary>
internal static class ErrorResponses
{
    public static Task WriteAsync(HttpContext context, int status, string error, string description)
    {
        if (McpRoutes.IsAny(context.Request.Path))
        {
            return McpResponses.WriteErrorAsync(context, status, McpResponses.RequestRefused, description);
        }

        context.Response.StatusCode = status;
        context.Response.Headers.CacheControl = "no-store";
        return context.Response.WriteAsJsonAsync(new OAuthStyleErrorBody(error, description));
    }

    private sealed record OAuthStyleErrorBody(
        [property: System.Text.Json.Serialization.JsonPropertyName("error")] string Error,
        [property: System.Text.Json.Serialization.JsonPropertyName("error_description")] string ErrorDescription);
}
