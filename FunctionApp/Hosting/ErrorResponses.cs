namespace McpFunctions.Hosting;

/// <summary>Error bodies for requests refused before they reach an endpoint: JSON-RPC on MCP routes, OAuth-style JSON elsewhere.</summary>
public static class ErrorResponses
{
    public static bool IsMcpPath(PathString path) =>
        path.StartsWithSegments("/mcp") || path.StartsWithSegments("/sse") || path.StartsWithSegments("/message");

    public static Task WriteAsync(HttpContext context, int status, string error, string description)
    {
        context.Response.StatusCode = status;
        context.Response.Headers.CacheControl = "no-store";
        if (IsMcpPath(context.Request.Path))
        {
            return context.Response.WriteAsJsonAsync(new JsonRpcErrorBody(new JsonRpcErrorDetailBody(-32000, description)));
        }

        return context.Response.WriteAsJsonAsync(new OAuthStyleErrorBody(error, description));
    }

    private sealed record JsonRpcErrorBody(JsonRpcErrorDetailBody Error)
    {
        public string Jsonrpc => "2.0";
        public object? Id => null;
    }

    private sealed record JsonRpcErrorDetailBody(int Code, string Message);

    private sealed record OAuthStyleErrorBody(
        [property: System.Text.Json.Serialization.JsonPropertyName("error")] string Error,
        [property: System.Text.Json.Serialization.JsonPropertyName("error_description")] string ErrorDescription);
}
