using System.Text.Json;
using McpFunctions.Tests.Fixtures;

namespace McpFunctions.Tests.EndToEnd;

/// <summary>The MCP Inspector's CLI (`mcp-inspector --cli`), as a developer runs it against the server.</summary>
public sealed class InspectorCliTests
{
    private const int ToolErrorExitCode = 5;

    private string _home = null!;

    [SetUp]
    public void GiveTheInspectorAHomeOfItsOwn() => _home = Directory.CreateTempSubdirectory("mcpfunctions-inspector-").FullName;

    [TearDown]
    public void DeleteHome() => Directory.Delete(_home, recursive: true);

    [TestCase("/mcp", "http")]
    [TestCase("/sse", "sse")]
    public async Task The_Inspector_lists_the_tools(string path, string transport)
    {
        using var result = await InspectAsync(path, transport, "--method", "tools/list");

        var names = result.RootElement.GetProperty("tools").EnumerateArray().Select(t => t.GetProperty("name").GetString()).ToList();
        Assert.That(names, Is.SupersetOf(new[] { "notes_add", "notes_get", "files_write", "whoami", "calculator_add" }));
    }

    [TestCase("/mcp", "http")]
    [TestCase("/sse", "sse")]
    public async Task The_Inspector_adds_a_note_and_reads_it_back_by_its_id(string path, string transport)
    {
        var title = $"Inspector over {transport} {Guid.NewGuid():N}";

        using var added = await InspectAsync(path, transport,
            "--method", "tools/call", "--tool-name", "notes_add", "--tool-arg", $"title={title}", "body=written by the Inspector CLI");
        var note = Structured(added);
        var id = note.GetProperty("id").GetString();
        using var read = await InspectAsync(path, transport, "--method", "tools/call", "--tool-name", "notes_get", "--tool-arg", $"id={id}");
        var readBack = Structured(read);

        Assert.That(note.GetProperty("title").GetString(), Is.EqualTo(title));
        Assert.That(readBack.GetProperty("id").GetString(), Is.EqualTo(id));
        Assert.That(readBack.GetProperty("title").GetString(), Is.EqualTo(title));
        Assert.That(readBack.GetProperty("body").GetString(), Is.EqualTo("written by the Inspector CLI"));
    }

    [Test]
    public async Task The_Inspector_shows_a_missing_note_as_a_tool_error_a_model_can_act_on()
    {
        // The CLI exits with 5 when the tool result has isError, and still prints the result.
        using var result = await InspectAsync("/mcp", "http", ToolErrorExitCode,
            "--method", "tools/call", "--tool-name", "notes_get", "--tool-arg", "id=kq3m0z1ab-7x2fd");

        Assert.That(result.RootElement.GetProperty("isError").GetBoolean(), Is.True);
        var text = result.RootElement.GetProperty("content")[0].GetProperty("text").GetString();
        Assert.That(text, Does.Contain("kq3m0z1ab-7x2fd").And.Contain("notes_list"));
        ResponseBody.AssertRevealsNoInternals(text!);
    }

    private static JsonElement Structured(JsonDocument result)
    {
        Assert.That(result.RootElement.TryGetProperty("isError", out var isError) && isError.GetBoolean(), Is.False, result.RootElement.ToString());
        return result.RootElement.GetProperty("structuredContent");
    }

    /// <summary>Runs the CLI once and parses its standard output (one JSON document; notices go to stderr).</summary>
    private Task<JsonDocument> InspectAsync(string path, string transport, params string[] arguments) =>
        InspectAsync(path, transport, 0, arguments);

    private async Task<JsonDocument> InspectAsync(string path, string transport, int expectedExitCode, params string[] arguments)
    {
        var inspector = await NpmTools.BinAsync("mcp-inspector");
        await using var cli = await ChildProcess.RunToExitAsync(inspector,
            ["--cli", TestRun.Server.Url(path).ToString(), "--transport", transport, .. arguments],
            TimeSpan.FromSeconds(60), _home,
            new Dictionary<string, string?>
            {
                // It keeps a server catalog and storage under ~/.mcp-inspector: keep them out of the real home.
                ["HOME"] = _home,
                ["MCP_CATALOG_PATH"] = Path.Combine(_home, "mcp.json"),
            });

        Assert.That(cli.ExitCode, Is.EqualTo(expectedExitCode), cli.Output);
        try
        {
            return JsonDocument.Parse(cli.StandardOutput);
        }
        catch (JsonException e)
        {
            throw new AssertionException($"The Inspector printed no JSON ({e.Message}):\n{cli.Output}");
        }
    }
}
