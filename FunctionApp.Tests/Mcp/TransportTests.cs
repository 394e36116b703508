using McpFunctions.Tests.Fixtures;
using ModelContextProtocol.Client;

namespace McpFunctions.Tests.Mcp;

public sealed class TransportTests
{
    private static readonly string[] BuiltInTools =
    [
        "notes_add", "notes_get", "notes_list", "notes_search", "notes_update", "notes_delete", "notes_import",
        "preferences_get", "preferences_set", "preferences_list", "preferences_delete",
        "files_write", "files_read", "files_list", "files_delete",
        "whoami", "calculator_add", "calculator_subtract", "calculator_multiply", "calculator_divide",
    ];

    [Test]
    public async Task A_2025_11_25_client_gets_a_session_and_every_built_in_tool()
    {
        await using var client = await Clients.StreamableAsync(TestRun.Server);

        Assert.That(client.SessionId, Is.Not.Null.And.Not.Empty);
        Assert.That(client.NegotiatedProtocolVersion, Is.EqualTo(Clients.SessionRevision));
        var tools = await client.ListToolsAsync();
        Assert.That(tools.Select(t => t.Name), Is.SupersetOf(BuiltInTools));
        Assert.That(tools, Has.All.Matches<McpClientTool>(t => !string.IsNullOrWhiteSpace(t.Description)));
    }

    [Test]
    public async Task A_2026_07_28_client_is_served_without_a_session()
    {
        await using var client = await Clients.StatelessAsync(TestRun.Server);

        Assert.That(client.NegotiatedProtocolVersion, Is.EqualTo(Clients.StatelessRevision));
        Assert.That(client.SessionId, Is.Null.Or.Empty);
        var result = await client.CallToolAsync("calculator_multiply", new Dictionary<string, object?> { ["a"] = 6, ["b"] = 7 });
        Assert.That(result.IsError, Is.Not.True);
        Assert.That(result.Content.OfType<ModelContextProtocol.Protocol.TextContentBlock>().Single().Text, Is.EqualTo("42"));
    }

    [Test]
    public async Task A_legacy_sse_client_lists_and_calls_tools()
    {
        await using var client = await Clients.LegacySseAsync(TestRun.Server);

        var tools = await client.ListToolsAsync();
        Assert.That(tools.Select(t => t.Name), Is.SupersetOf(BuiltInTools));
        var result = await client.CallToolAsync("calculator_subtract", new Dictionary<string, object?> { ["a"] = 10, ["b"] = 2.5 });
        Assert.That(result.Content.OfType<ModelContextProtocol.Protocol.TextContentBlock>().Single().Text, Is.EqualTo("7.5"));
    }
}
