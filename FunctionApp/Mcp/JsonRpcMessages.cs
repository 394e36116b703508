using System.Text.Json.Serialization.Metadata;

namespace McpFunctions.Mcp;

/// <summary>JSON-RPC messages as the SDK writes them, for the ones the app stores or relays between instances.</summary>
internal static class JsonRpcMessages
{
    public static readonly JsonTypeInfo<JsonRpcMessage> TypeInfo =
        (JsonTypeInfo<JsonRpcMessage>)McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(JsonRpcMessage));

    public static string Serialize(JsonRpcMessage message) => JsonSerializer.Serialize(message, TypeInfo);

    public static JsonRpcMessage? Deserialize(string json) => JsonSerializer.Deserialize(json, TypeInfo);
}
