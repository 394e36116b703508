using System.Text.Json.Nodes;

namespace McpFunctions.Tasks;

/// <summary>The JSON of a task row's input requests and answers, with the SDK's own converters.</summary>
internal static class TaskJson
{
    public static string Write(IDictionary<string, InputRequest> requests) =>
        JsonSerializer.Serialize(requests, McpJsonUtilities.DefaultOptions);

    public static IDictionary<string, InputRequest> Requests(string? json) =>
        json is null ? new Dictionary<string, InputRequest>() : JsonSerializer.Deserialize<IDictionary<string, InputRequest>>(json, McpJsonUtilities.DefaultOptions) ?? new Dictionary<string, InputRequest>();

    public static string Write(IDictionary<string, InputResponse> responses) =>
        JsonSerializer.Serialize(responses, McpJsonUtilities.DefaultOptions);

    public static IDictionary<string, InputResponse> Responses(string? json) =>
        json is null ? new Dictionary<string, InputResponse>() : JsonSerializer.Deserialize<IDictionary<string, InputResponse>>(json, McpJsonUtilities.DefaultOptions) ?? new Dictionary<string, InputResponse>();

    /// <summary>The answers and request state an MRTR round brought to the call that became the task.</summary>
    public static string Continuation(IDictionary<string, InputResponse>? responses, string? requestState) =>
        new JsonObject
        {
            ["inputResponses"] = responses is null ? null : JsonSerializer.SerializeToNode(responses, McpJsonUtilities.DefaultOptions),
            ["requestState"] = requestState,
        }.ToJsonString();

    public static (IDictionary<string, InputResponse>? Responses, string? RequestState) Continuation(string? json)
    {
        if (json is null || JsonNode.Parse(json) is not JsonObject continuation)
        {
            return (null, null);
        }

        return (continuation["inputResponses"]?.Deserialize<IDictionary<string, InputResponse>>(McpJsonUtilities.DefaultOptions),
            continuation["requestState"]?.GetValue<string>());
    }
}
