using System.Text.Json;
using ModelContextProtocol.Protocol;

namespace McpFunctions.Tests.Fixtures;

/// <summary>Reading <see cref="CallToolResult"/>s in tests: their text, and their JSON as the app's records.</summary>
public static class ToolResults
{
    /// <summary>camelCase, as the server writes tool results.</summary>
    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web);

    /// <summary>All text content blocks, concatenated.</summary>
    public static string Text(this CallToolResult result) =>
        string.Concat(result.Content.OfType<TextContentBlock>().Select(t => t.Text));

    /// <summary>The successful result's text content as <typeparamref name="T"/>; fails the test with the error text otherwise.</summary>
    public static T Read<T>(this CallToolResult result)
    {
        if (result.IsError == true)
        {
            Assert.Fail($"The tool call failed: {result.Text()}");
        }

        return JsonSerializer.Deserialize<T>(result.Text(), Json)
            ?? throw new AssertionException($"The tool returned null: {result.Text()}");
    }

    /// <summary>A raw JSON value to pass as an argument exactly as written (for wrong-type tests).</summary>
    public static JsonElement Raw(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }
}
