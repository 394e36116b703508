using McpFunctions.Features.Files;
using McpFunctions.Features.Notes;
using McpFunctions.Tests.Features.Files;
using McpFunctions.Tests.Fixtures;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace McpFunctions.Tests.Features.Notes;

public sealed class NotePromptsTests
{
    [TestCase(ClientTransport.Session)]
    [TestCase(ClientTransport.Stateless)]
    [TestCase(ClientTransport.LegacySse)]
    public async Task Prompts_list_shows_the_three_prompts_with_their_arguments(ClientTransport transport)
    {
        await using var client = await transport.ConnectAsync();

        var prompts = (await client.ListPromptsAsync()).ToDictionary(p => p.Name, p => p.ProtocolPrompt);

        Assert.That(prompts.Keys, Is.SupersetOf(new[] { "summarize_notes", "draft_note", "review_file" }));
        Assert.That(Arguments(prompts["summarize_notes"]), Is.EquivalentTo(new[] { ("tag", false), ("style", false) }));
        Assert.That(Arguments(prompts["draft_note"]), Is.EquivalentTo(new[] { ("topic", true), ("tags", false) }));
        Assert.That(Arguments(prompts["review_file"]), Is.EquivalentTo(new[] { ("name", true) }));
        Assert.That(prompts.Values.SelectMany(p => p.Arguments ?? []).Select(a => a.Description), Has.All.Not.Null.And.All.Not.Empty,
            "every argument says what to give");
        Assert.That(prompts.Values.Select(p => p.Description), Has.All.Not.Null.And.All.Not.Empty);
    }

    [Test]
    public async Task Summarize_notes_puts_the_tagged_notes_into_the_prompt()
    {
        await using var client = await Clients.StreamableAsync(TestRun.Server);
        var marker = "p" + Guid.NewGuid().ToString("N")[..12];
        var tag = "t" + Guid.NewGuid().ToString("N")[..12];
        var first = (await NotesToolsTests.AddAsync(client, $"{marker} alpha", "Call the supplier.", [tag])).Read<Note>();
        var second = (await NotesToolsTests.AddAsync(client, $"{marker} beta", "Book the room.", [tag, "extra"])).Read<Note>();
        var untagged = (await NotesToolsTests.AddAsync(client, $"{marker} gamma", "Not part of it.")).Read<Note>();

        var prompt = await client.GetPromptAsync("summarize_notes", new Dictionary<string, object?> { ["tag"] = tag, ["style"] = "paragraph" });

        var message = prompt.Messages.Single();
        Assert.That(message.Role, Is.EqualTo(Role.User));
        var text = ((TextContentBlock)message.Content).Text;
        Assert.That(text, Does.Contain($"## {marker} alpha [{first.Id}]").And.Contain("Call the supplier."));
        Assert.That(text, Does.Contain($"## {marker} beta [{second.Id}]").And.Contain($"Tags: {tag}, extra"));
        Assert.That(text, Does.Not.Contain(untagged.Id));
        Assert.That(text, Does.Contain("two or three short paragraphs"));
    }

    [Test]
    public async Task Summarize_notes_says_so_when_no_note_has_the_tag()
    {
        await using var client = await Clients.StatelessAsync(TestRun.Server);
        var tag = "none" + Guid.NewGuid().ToString("N")[..12];

        var prompt = await client.GetPromptAsync("summarize_notes", new Dictionary<string, object?> { ["tag"] = tag });

        var text = ((TextContentBlock)prompt.Messages.Single().Content).Text;
        Assert.That(text, Does.Contain($"(No notes are tagged '{tag}'.)").And.Contain("a bulleted list"));
    }

    [Test]
    public async Task Draft_note_asks_for_a_note_on_the_topic_with_the_given_tags()
    {
        await using var client = await Clients.LegacySseAsync(TestRun.Server);

        var prompt = await client.GetPromptAsync("draft_note", new Dictionary<string, object?> { ["topic"] = "  decisions from the design review ", ["tags"] = "work, design" });

        var text = ((TextContentBlock)prompt.Messages.Single().Content).Text;
        Assert.That(text, Does.Contain("Draft a concise note about: decisions from the design review\n"));
        Assert.That(text, Does.Contain("Use the tags: work, design.").And.Contain("notes_add"));
    }

    [TestCase(ClientTransport.Session)]
    [TestCase(ClientTransport.Stateless)]
    [TestCase(ClientTransport.LegacySse)]
    public async Task Review_file_embeds_the_file_as_a_resource(ClientTransport transport)
    {
        await using var client = await transport.ConnectAsync();
        var name = $"draft {Guid.NewGuid():N}.md";
        var written = (await FilesToolsTests.WriteAsync(client, name, "# Plan\nShip it.")).Read<FileInfoResult>();

        var prompt = await client.GetPromptAsync("review_file", new Dictionary<string, object?> { ["name"] = name });

        Assert.That(prompt.Messages, Has.Count.EqualTo(2));
        var embedded = prompt.Messages[0].Content as EmbeddedResourceBlock;
        Assert.That(embedded, Is.Not.Null, "the first message carries the file as an embedded resource");
        var resource = embedded!.Resource as TextResourceContents;
        Assert.That(resource, Is.Not.Null);
        Assert.That((resource!.Uri, resource.MimeType, resource.Text), Is.EqualTo((written.Uri, "text/markdown", "# Plan\nShip it.")));
        Assert.That(((TextContentBlock)prompt.Messages[1].Content).Text, Does.Contain($"Review the file '{name}'"));
    }

    [Test]
    public async Task Review_file_refuses_a_binary_file()
    {
        await using var client = await Clients.StreamableAsync(TestRun.Server);
        var name = $"binary {Guid.NewGuid():N}.png";
        (await FilesToolsTests.WriteAsync(client, name, Convert.ToBase64String(FilesToolsTests.BinaryBytes), "base64")).Read<FileInfoResult>();

        var error = Assert.ThrowsAsync<McpProtocolException>(async () => await client.GetPromptAsync("review_file", new Dictionary<string, object?> { ["name"] = name }));

        Assert.That(error!.ErrorCode, Is.EqualTo(McpErrorCode.InvalidParams));
        Assert.That(error.Message, Does.Contain("image/png").And.Contain("text files only"));
    }

    [TestCase("review_file", "name", "missing-file", "There is no file named 'missing-file")]
    [TestCase("review_file", "name", "../x", "'/'")]
    [TestCase("summarize_notes", "style", "haiku", "style must be 'bullets' or 'paragraph'")]
    [TestCase("summarize_notes", "tag", "Not A Tag", "is not valid")]
    [TestCase("draft_note", "topic", "   ", "topic is required")]
    public async Task A_bad_prompt_argument_is_an_invalid_params_error(string prompt, string argument, string value, string reason)
    {
        await using var client = await Clients.StreamableAsync(TestRun.Server);
        if (value == "missing-file")
        {
            value += Guid.NewGuid().ToString("N");
        }

        var error = Assert.ThrowsAsync<McpProtocolException>(async () => await client.GetPromptAsync(prompt, new Dictionary<string, object?> { [argument] = value }));

        Assert.That(error!.ErrorCode, Is.EqualTo(McpErrorCode.InvalidParams));
        Assert.That(error.Message, Does.Contain(reason));
    }

    [Test]
    public async Task A_topic_over_500_characters_is_an_invalid_params_error()
    {
        await using var client = await Clients.StreamableAsync(TestRun.Server);

        var error = Assert.ThrowsAsync<McpProtocolException>(async () => await client.GetPromptAsync("draft_note", new Dictionary<string, object?> { ["topic"] = new string('t', 501) }));

        Assert.That(error!.ErrorCode, Is.EqualTo(McpErrorCode.InvalidParams));
        Assert.That(error.Message, Does.Contain("at most 500 characters"));
    }

    [TestCase("review_file")]
    [TestCase("draft_note")]
    public async Task A_missing_required_prompt_argument_is_a_protocol_error(string prompt)
    {
        await using var client = await Clients.StreamableAsync(TestRun.Server);

        var error = Assert.ThrowsAsync<McpProtocolException>(async () => await client.GetPromptAsync(prompt, new Dictionary<string, object?>()));

        Assert.That(error!.ErrorCode, Is.EqualTo(McpErrorCode.InvalidParams), error.Message);
        Assert.That(error.Message, Does.Contain(prompt == "review_file" ? "'name'" : "'topic'"));
    }

    [Test]
    public async Task An_unknown_prompt_is_a_protocol_error()
    {
        await using var client = await Clients.StreamableAsync(TestRun.Server);

        var error = Assert.ThrowsAsync<McpProtocolException>(async () => await client.GetPromptAsync("summarise_everything"));

        Assert.That(error!.ErrorCode, Is.EqualTo(McpErrorCode.InvalidParams));
        Assert.That(error.Message, Does.Contain("summarise_everything"));
    }

    private static IEnumerable<(string Name, bool Required)> Arguments(Prompt prompt) =>
        (prompt.Arguments ?? []).Select(a => (a.Name, a.Required == true));
}
