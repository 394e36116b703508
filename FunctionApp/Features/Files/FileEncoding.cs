using System.Text.Json.Serialization;

namespace McpFunctions.Features.Files;

/// <summary>How file content travels in tool arguments and results.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<FileEncoding>))]
internal enum FileEncoding
{
    [JsonStringEnumMemberName("text")] Text,
    [JsonStringEnumMemberName("base64")] Base64,
}
