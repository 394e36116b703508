using System.Text.Json.Serialization;

namespace McpFunctions.Features.Identity;

/// <summary>Compile-time JSON metadata of the whoami result (see <see cref="FeatureExtensions.ToolJson"/>).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(WhoAmI))]
internal sealed partial class IdentityJson : JsonSerializerContext;
