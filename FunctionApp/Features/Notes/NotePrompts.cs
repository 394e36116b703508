using System.ComponentModel;
using System.Security.Claims;
using System.Text;
using McpFunctions.Auth;
using McpFunctions.Features.Files;

namespace McpFunctions.Features.Notes;

/// <summary>Ready-made prompts over the user's notes and files.</summary>
[McpServerPromptType]
internal sealed class NotePrompts(NoteStore notes, UserFileStore files)
{
    private const int MaxNotesInPrompt = 50;

    [RequiresScope(McpScopes.NotesRead)]
    [McpServerPrompt(Name = "summarize_notes", Title = "Summarize my notes")]
    [Description("Puts your newest notes (up to 50, optionally only one tag) into the conversation and asks for a summary with open actions.")]
    public async Task<IEnumerable<PromptMessage>> SummarizeNotes(
        ClaimsPrincipal? user,
        [Description("Only notes with this tag, e.g. 'work'. Omit for all notes.")] string? tag = null,
        [Description("'bullets' (default) or 'paragraph'.")] string? style = null,
        CancellationToken cancellationToken = default)
    {
        var caller = Caller.From(user);
        var format = style?.Trim().ToLowerInvariant() switch
        {
            null or "" or "bullets" => "a bulleted list grouped by theme",
            "paragraph" => "two or three short paragraphs",
            _ => throw new InvalidArgumentException($"style must be 'bullets' or 'paragraph' (got '{style}')."),
        };

        var validTag = tag is null ? null : ValidateTag(tag);
        var selected = validTag is null
            ? (await notes.ListAsync(caller, MaxNotesInPrompt, null, cancellationToken)).Notes
            : (await notes.SearchAsync(caller, null, validTag, MaxNotesInPrompt, null, cancellationToken)).Notes;

        var text = new StringBuilder();
        text.Append("Summarize these notes as ").Append(format)
            .AppendLine(". End with the open questions or next actions they mention. Cite note ids in brackets.");
        if (selected.Count == 0)
        {
            text.AppendLine().AppendLine(validTag is null ? "(There are no notes yet.)" : $"(No notes are tagged '{validTag}'.)");
        }

        foreach (var note in selected)
        {
            text.AppendLine().Append("## ").Append(note.Title).Append(" [").Append(note.Id).AppendLine("]");
            if (note.Tags.Count > 0)
            {
                text.Append("Tags: ").AppendLine(string.Join(", ", note.Tags));
            }

            text.AppendLine(note.Body);
        }

        return [new PromptMessage { Role = Role.User, Content = new TextContentBlock { Text = text.ToString() } }];
    }

    [McpServerPrompt(Name = "draft_note", Title = "Draft a note")]
    [Description("Asks the model to draft a concise note on a topic and save it with notes_add.")]
    public static IEnumerable<PromptMessage> DraftNote(
        [Description("What the note is about, e.g. 'decisions from today's design review'.")] string topic,
        [Description("Comma-separated tags to give the note, e.g. 'work, design'.")] string? tags = null)
    {
        if (string.IsNullOrWhiteSpace(topic) || topic.Length > 500)
        {
            throw new InvalidArgumentException("topic is required and must be at most 500 characters.");
        }

        var tagText = string.IsNullOrWhiteSpace(tags) ? "Choose one to three fitting tags." : $"Use the tags: {tags}.";
        return
        [
            new PromptMessage
            {
                Role = Role.User,
                Content = new TextContentBlock
                {
                    Text = $"Draft a concise note about: {topic.Trim()}\n" +
                           "Give it a title of at most 80 characters and a Markdown body of short bullet points. " +
                           $"{tagText} Show me the draft, and when I approve it, save it with the notes_add tool.",
                },
            },
        ];
    }

    [RequiresScope(McpScopes.FilesRead)]
    [McpServerPrompt(Name = "review_file", Title = "Review a file")]
    [Description("Attaches one of your text files and asks for a review: a summary, problems found, and concrete suggestions.")]
    public async Task<IEnumerable<PromptMessage>> ReviewFile(
        ClaimsPrincipal? user,
        [Description("Name of the file to review, as given to files_write.")] string name,
        CancellationToken cancellationToken = default)
    {
        var caller = Caller.From(user);
        var validName = ItemName.Validate(name, "file name");

        var file = await files.ReadAsync(caller, validName, cancellationToken)
            ?? throw new NotFoundException($"There is no file named '{validName}'.");
        if (!UserFileStore.IsTextual(file.File.MimeType))
        {
            throw new InvalidArgumentException($"'{validName}' is {file.File.MimeType}; review_file works on text files only.");
        }

        return
        [
            new PromptMessage
            {
                Role = Role.User,
                Content = new EmbeddedResourceBlock
                {
                    Resource = new TextResourceContents { Uri = FileUri.For(validName), MimeType = file.File.MimeType, Text = file.Content.ToString() },
                },
            },
            new PromptMessage
            {
                Role = Role.User,
                Content = new TextContentBlock
                {
                    Text = $"Review the file '{validName}' above. Give a three-sentence summary, then a numbered list of problems " +
                           "(errors, unclear parts, missing information), each with a concrete fix.",
                },
            },
        ];
    }

    private static string ValidateTag(string tag) => NoteRules.ValidateTags([tag])[0];
}
