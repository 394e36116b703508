using System.Text.Json.Serialization;

namespace McpFunctions.Features.Session;

/// <summary>Compile-time JSON metadata of the session tools' parameters and results (see <see cref="FeatureExtensions.ToolJson"/>).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(long))]
[JsonSerializable(typeof(JsonElement))]
[JsonSerializable(typeof(CounterValue))]
[JsonSerializable(typeof(IReadOnlyDictionary<string, JsonElement>))]
internal sealed partial class SessionJson : JsonSerializerContext;
