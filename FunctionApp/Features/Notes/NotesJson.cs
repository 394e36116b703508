using System.Text.Json.Serialization;

namespace McpFunctions.Features.Notes;

/// <summary>Compile-time JSON metadata of the notes tools' parameters and results (see <see cref="FeatureExtensions.ToolJson"/>).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(string[]))]
[JsonSerializable(typeof(int))]
[JsonSerializable(typeof(Note))]
[JsonSerializable(typeof(NotePage))]
[JsonSerializable(typeof(IReadOnlyList<Note>))]
[JsonSerializable(typeof(ImportResult))]
[JsonSerializable(typeof(ExportResult))]
[JsonSerializable(typeof(List<ExportedNote>))]
internal sealed partial class NotesJson : JsonSerializerContext;
