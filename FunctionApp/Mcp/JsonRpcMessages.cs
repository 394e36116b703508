using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;

namespace McpFunctions.Mcp;

/// <summary>JSON-RPC messages as the SDK writes them, for the ones the app stores or relays between instances.</summary>
internal static class JsonRpcMessages
{
    public static readonly JsonTypeInfo<JsonRpcMessage> TypeInfo =
        (JsonTypeInfo<JsonRpcMessage>)McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(JsonRpcMessage));

    public static string Serialize(JsonRpcMessage message) => JsonSerializer.Serialize(message, TypeInfo);

    public static JsonRpcMessage? Deserialize(string json) => JsonSerializer.Deserialize(json, TypeInfo);

    /// <summary>
    /// Reads a request's JSON body for a check made before the SDK sees it, and rewinds it for the SDK; null when it is
    /// not JSON (the SDK answers that itself).
    /// </summary>
    public static async Task<JsonNode?> PeekBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        request.EnableBuffering();
        try
        {
            return await JsonNode.ParseAsync(request.Body, cancellationToken: cancellationToken);
        }
        catch (JsonException)
        {
            return null;
        }
        finally
        {
            request.Body.Position = 0;
        }
    }
}
