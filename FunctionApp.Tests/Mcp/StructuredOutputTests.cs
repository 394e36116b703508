using System.Text.Json;
using McpFunctions.Features.Notes;
using McpFunctions.Tests.Features.Files;
using McpFunctions.Tests.Features.Notes;
using McpFunctions.Tests.Fixtures;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace McpFunctions.Tests.Mcp;

public sealed class StructuredOutputTests
{
    /// <summary>Called in this order, so a call can use what an earlier one stored.</summary>
    private static readonly string[] ToolsWithOutputSchemas =
    [
        "notes_add", "notes_get", "notes_list", "notes_search", "notes_update", "notes_import",
        "preferences_set", "preferences_get", "preferences_list",
        "files_write", "files_read", "files_list", "whoami",
    ];

    [TestCase(ClientTransport.Session)]
    [TestCase(ClientTransport.Stateless)]
    [TestCase(ClientTransport.LegacySse)]
    public async Task Every_tool_with_an_output_schema_returns_structured_content_equal_to_its_text(ClientTransport transport)
    {
        await using var client = await transport.ConnectAsync();
        var marker = "s" + Guid.NewGuid().ToString("N")[..16];
        var tools = (await client.ListToolsAsync()).ToDictionary(t => t.Name);
        var withSchema = tools.Values.Where(t => t.ProtocolTool.OutputSchema is not null).Select(t => t.Name).ToList();
        Assert.That(withSchema, Is.SupersetOf(ToolsWithOutputSchemas));

        var note = (await NotesToolsTests.AddAsync(client, $"{marker} structured", "body", ["structured"])).Read<Note>();
        var fileName = $"{marker}.md";
        var importName = $"{marker} import.txt";
        await FilesToolsTests.WriteAsync(client, importName, $"{marker} imported\nbody");
        var calls = new Dictionary<string, Dictionary<string, object?>>
        {
            ["notes_add"] = new() { ["title"] = $"{marker} another", ["tags"] = new[] { "a", "b" } },
            ["notes_get"] = new() { ["id"] = note.Id },
            ["notes_list"] = new() { ["pageSize"] = 2 },
            ["notes_search"] = new() { ["text"] = marker },
            ["notes_update"] = new() { ["id"] = note.Id, ["body"] = "changed" },
            ["notes_import"] = new() { ["fileName"] = importName },
            ["preferences_set"] = new() { ["key"] = marker, ["value"] = "v" },
            ["preferences_get"] = new() { ["key"] = marker },
            ["preferences_list"] = new() { ["prefix"] = marker },
            ["files_write"] = new() { ["name"] = fileName, ["content"] = "text" },
            ["files_read"] = new() { ["name"] = fileName },
            ["files_list"] = new() { ["pageSize"] = 3 },
            ["whoami"] = new(),
        };

        foreach (var name in ToolsWithOutputSchemas)
        {
            var result = await client.CallToolAsync(name, calls[name]);
            Assert.That(result.IsError, Is.Not.True, $"{name}: {result.Text()}");
            Assert.That(result.StructuredContent, Is.Not.Null, $"{name} has an output schema, so it must return structuredContent");
            var structured = result.StructuredContent!.Value;
            var text = JsonDocument.Parse(result.Text()).RootElement;

            // Before 2026-07-28 a non-object result travels wrapped as {"result": ...}.
            var schema = tools[name].ProtocolTool.OutputSchema!.Value;
            var payload = text.ValueKind != JsonValueKind.Object && structured.ValueKind == JsonValueKind.Object && structured.TryGetProperty("result", out var wrapped)
                ? wrapped
                : structured;
            Assert.That(JsonElement.DeepEquals(payload, text), Is.True, $"{name}: structuredContent {structured} differs from the text {text}");

            if (schema.TryGetProperty("required", out var required))
            {
                foreach (var property in required.EnumerateArray().Select(r => r.GetString()!))
                {
                    Assert.That(structured.TryGetProperty(property, out _), Is.True, $"{name}: required property '{property}' is missing from {structured}");
                }
            }

            Assert.That(structured.ValueKind, Is.EqualTo(schema.GetProperty("type").GetString() == "array" ? JsonValueKind.Array : JsonValueKind.Object), name);
        }
    }

    [Test]
    public async Task Tools_without_an_output_schema_return_only_text()
    {
        await using var client = await Clients.StreamableAsync(TestRun.Server);
        var tools = (await client.ListToolsAsync()).ToDictionary(t => t.Name);

        Assert.That(tools["calculator_add"].ProtocolTool.OutputSchema, Is.Null);
        var result = await client.CallToolAsync("calculator_add", new Dictionary<string, object?> { ["a"] = 1, ["b"] = 2 });
        Assert.That(result.StructuredContent, Is.Null);
        Assert.That(result.Content.Single(), Is.TypeOf<TextContentBlock>());
    }
}
