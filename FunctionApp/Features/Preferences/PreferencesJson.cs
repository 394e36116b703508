using System.Text.Json.Serialization;

namespace McpFunctions.Features.Preferences;

/// <summary>Compile-time JSON metadata of the preferences tools' results (see <see cref="FeatureExtensions.ToolJson"/>).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(Preference))]
[JsonSerializable(typeof(IReadOnlyList<Preference>))]
internal sealed partial class PreferencesJson : JsonSerializerContext;
