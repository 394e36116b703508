using System.Text.Json.Serialization;

namespace McpFunctions.Features.Files;

/// <summary>Compile-time JSON metadata of the files tools' parameters and results (see <see cref="FeatureExtensions.ToolJson"/>).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(FileEncoding))]
[JsonSerializable(typeof(FileInfoResult))]
[JsonSerializable(typeof(FileContentResult))]
[JsonSerializable(typeof(FileListResult))]
internal sealed partial class FilesJson : JsonSerializerContext;
