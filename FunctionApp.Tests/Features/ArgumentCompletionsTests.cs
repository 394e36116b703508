using McpFunctions.Tests.Fixtures;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace McpFunctions.Tests.Features;

/// <summary>completion/complete suggests argument values from the caller's own files and notes.</summary>
public sealed class ArgumentCompletionsTests
{
    private static readonly ClientTransport[] Transports = [ClientTransport.Session, ClientTransport.Stateless];

    [TestCaseSource(nameof(Transports))]
    public async Task File_names_complete_for_the_review_prompt_and_the_file_template(ClientTransport transport)
    {
        var me = "c" + Guid.NewGuid().ToString("N")[..10];
        await using var client = await transport.ConnectAsync(localDeveloper: me);
        foreach (var name in new[] { "report-2026.md", "report-draft.md", "notes.txt" })
        {
            await client.CallToolAsync("files_write", new Dictionary<string, object?> { ["name"] = name, ["content"] = "x" });
        }

        var prompt = await client.CompleteAsync(new PromptReference { Name = "review_file" }, "name", "rep");
        var template = await client.CompleteAsync(new ResourceTemplateReference { Uri = "files:///{name}" }, "name", "");

        Assert.That(prompt.Completion.Values, Is.EqualTo(new[] { "report-2026.md", "report-draft.md" }));
        Assert.That(template.Completion.Values, Is.EquivalentTo(new[] { "notes.txt", "report-2026.md", "report-draft.md" }));
        Assert.That(template.Completion.HasMore, Is.False);
    }

    [Test]
    public async Task Tags_and_styles_complete_for_the_summary_prompt_and_unknown_arguments_get_nothing()
    {
        var me = "c" + Guid.NewGuid().ToString("N")[..10];
        await using var client = await ClientTransport.Session.ConnectAsync(localDeveloper: me);
        await client.CallToolAsync("notes_add", new Dictionary<string, object?> { ["title"] = "a", ["tags"] = new[] { "work", "weekly" } });
        await client.CallToolAsync("notes_add", new Dictionary<string, object?> { ["title"] = "b", ["tags"] = new[] { "home" } });

        var tags = await client.CompleteAsync(new PromptReference { Name = "summarize_notes" }, "tag", "w");
        var styles = await client.CompleteAsync(new PromptReference { Name = "summarize_notes" }, "style", "");
        var unknown = await client.CompleteAsync(new PromptReference { Name = "draft_note" }, "topic", "any");

        Assert.That(tags.Completion.Values, Is.EqualTo(new[] { "weekly", "work" }));
        Assert.That(styles.Completion.Values, Is.EqualTo(new[] { "bullets", "paragraph" }));
        Assert.That(unknown.Completion.Values, Is.Empty);
    }
}
