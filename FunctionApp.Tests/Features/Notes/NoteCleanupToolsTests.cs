using McpFunctions.Features.Notes;
using McpFunctions.Tests.Fixtures;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace McpFunctions.Tests.Features.Notes;

/// <summary>notes_delete_all: nothing is deleted without the user's explicit confirmation, over every transport.</summary>
public sealed class NoteCleanupToolsTests
{
    private static readonly ClientTransport[] Transports = [ClientTransport.Session, ClientTransport.Stateless, ClientTransport.LegacySse];

    [TestCaseSource(nameof(Transports))]
    public async Task Confirming_deletes_every_note_of_the_caller_and_only_theirs(ClientTransport transport)
    {
        var (me, someoneElse) = (NewIdentity(), NewIdentity());
        var questions = new List<ElicitRequestParams>();
        await using var client = await transport.ConnectAsync(Answering(questions, confirm: true), localDeveloper: me);
        await using var other = await transport.ConnectAsync(localDeveloper: someoneElse);
        await AddNotesAsync(client, 3);
        await AddNotesAsync(other, 2);

        var result = await client.CallToolAsync("notes_delete_all");

        Assert.That(result.IsError, Is.Not.True, result.Text());
        Assert.That(result.Text(), Is.EqualTo("Deleted 3 notes."));
        Assert.That(questions, Has.Count.EqualTo(1));
        Assert.That(questions[0].Message, Does.Contain("Delete all 3 of your notes"));
        Assert.That(await CountAsync(client), Is.Zero);
        Assert.That(await CountAsync(other), Is.EqualTo(2), "another user's notes are untouched");
    }

    [TestCaseSource(nameof(Transports))]
    public async Task Declining_deletes_nothing(ClientTransport transport)
    {
        var questions = new List<ElicitRequestParams>();
        await using var client = await transport.ConnectAsync(Answering(questions, confirm: false), localDeveloper: NewIdentity());
        await AddNotesAsync(client, 2);

        var result = await client.CallToolAsync("notes_delete_all");

        Assert.That(result.Text(), Is.EqualTo("Not confirmed: no notes were deleted."));
        Assert.That(questions, Has.Count.EqualTo(1));
        Assert.That(await CountAsync(client), Is.EqualTo(2));
    }

    [Test]
    public async Task A_client_that_cannot_ask_the_user_is_refused_and_nothing_is_deleted()
    {
        await using var client = await ClientTransport.Session.ConnectAsync(localDeveloper: NewIdentity());
        await AddNotesAsync(client, 1);

        var result = await client.CallToolAsync("notes_delete_all");

        Assert.That(result.IsError, Is.True);
        Assert.That(result.Text(), Does.Contain("cannot ask for it"));
        Assert.That(await CountAsync(client), Is.EqualTo(1));
    }

    [Test]
    public async Task A_forged_request_state_is_refused_and_nothing_is_deleted()
    {
        await using var client = await ClientTransport.Stateless.ConnectAsync(Answering([], confirm: true), localDeveloper: NewIdentity());
        await AddNotesAsync(client, 1);

        var forged = await client.CallToolAsync(new CallToolRequestParams
        {
            Name = "notes_delete_all",
            RequestState = "forged-state",
            InputResponses = new Dictionary<string, InputResponse>
            {
                ["confirm"] = InputResponse.FromElicitResult(new ElicitResult
                {
                    Action = "accept",
                    Content = new Dictionary<string, System.Text.Json.JsonElement> { ["confirm"] = ToolResults.Raw("true") },
                }),
            },
        });

        Assert.That(forged.IsError, Is.True);
        Assert.That(forged.Text(), Does.Contain("not valid"));
        Assert.That(await CountAsync(client), Is.EqualTo(1));
    }

    [Test]
    public async Task With_no_notes_nobody_is_asked()
    {
        var questions = new List<ElicitRequestParams>();
        await using var client = await ClientTransport.Session.ConnectAsync(Answering(questions, confirm: true), localDeveloper: NewIdentity());

        var result = await client.CallToolAsync("notes_delete_all");

        Assert.That(result.Text(), Is.EqualTo("You have no notes; nothing to delete."));
        Assert.That(questions, Is.Empty);
    }

    internal static string NewIdentity() => "t" + Guid.NewGuid().ToString("N")[..12];

    private static McpClientOptions Answering(List<ElicitRequestParams> questions, bool confirm) => new()
    {
        Handlers = new McpClientHandlers
        {
            ElicitationHandler = (request, _) =>
            {
                lock (questions)
                {
                    questions.Add(request!);
                }

                return ValueTask.FromResult(new ElicitResult
                {
                    Action = "accept",
                    Content = new Dictionary<string, System.Text.Json.JsonElement> { ["confirm"] = ToolResults.Raw(confirm ? "true" : "false") },
                });
            },
        },
    };

    private static async Task AddNotesAsync(McpClient client, int count)
    {
        for (var i = 0; i < count; i++)
        {
            var added = await client.CallToolAsync("notes_add", new Dictionary<string, object?> { ["title"] = $"Note {i}" });
            Assert.That(added.IsError, Is.Not.True, added.Text());
        }
    }

    private static async Task<int> CountAsync(McpClient client)
    {
        var page = await client.CallToolAsync("notes_list", new Dictionary<string, object?> { ["pageSize"] = 100 });
        return page.StructuredContent!.Value.GetProperty("notes").GetArrayLength();
    }
}
