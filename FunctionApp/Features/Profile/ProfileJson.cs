using System.Text.Json.Serialization;

namespace McpFunctions.Features.Profile;

/// <summary>Compile-time JSON metadata of the profile result (see <see cref="FeatureExtensions.ToolJson"/>).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(Profile))]
internal sealed partial class ProfileJson : JsonSerializerContext;
