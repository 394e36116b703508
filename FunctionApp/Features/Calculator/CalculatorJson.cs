using System.Text.Json.Serialization;

namespace McpFunctions.Features.Calculator;

/// <summary>Compile-time JSON metadata of the calculator's operands and results (see <see cref="FeatureExtensions.ToolJson"/>).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(double))]
[JsonSerializable(typeof(bool))]
internal sealed partial class CalculatorJson : JsonSerializerContext;
