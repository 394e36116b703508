using System.Text.Json;
using System.Text.Json.Serialization;
using McpFunctions.Features.Files;
using McpFunctions.Features.Identity;
using McpFunctions.Features.Notes;
using McpFunctions.Features.Preferences;
using McpFunctions.Features.Session;

namespace McpFunctions.Mcp;

/// <summary>
/// Compile-time JSON metadata for the tools' parameter and result types. Building every tool's schema through
/// reflection JIT-compiled about a thousand generic methods on each cold start; with this context the metadata
/// is precompiled with the app (ReadyToRun) instead.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(string[]))]
[JsonSerializable(typeof(int))]
[JsonSerializable(typeof(long))]
[JsonSerializable(typeof(double))]
[JsonSerializable(typeof(bool))]
[JsonSerializable(typeof(JsonElement))]
[JsonSerializable(typeof(FileEncoding))]
[JsonSerializable(typeof(Note))]
[JsonSerializable(typeof(NotePage))]
[JsonSerializable(typeof(IReadOnlyList<Note>))]
[JsonSerializable(typeof(Preference))]
[JsonSerializable(typeof(IReadOnlyList<Preference>))]
[JsonSerializable(typeof(FileInfoResult))]
[JsonSerializable(typeof(FileContentResult))]
[JsonSerializable(typeof(FileListResult))]
[JsonSerializable(typeof(WhoAmI))]
[JsonSerializable(typeof(CounterValue))]
[JsonSerializable(typeof(ImportResult))]
[JsonSerializable(typeof(IReadOnlyDictionary<string, JsonElement>))]
internal sealed partial class ToolJsonContext : JsonSerializerContext;
