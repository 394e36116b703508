using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using McpFunctions.Auth;

namespace McpFunctions.Features.Notes;

/// <summary>The user's notes: short structured records in Table Storage.</summary>
[McpServerToolType]
internal sealed class NotesTools(NoteStore notes)
{
    /// <summary>Different words in one search: each is one walk over the index.</summary>
    private const int MaxSearchWords = 10;

    [RequiresScope(McpScopes.NotesWrite)]
    [McpServerTool(Name = "notes_add", Title = "Add a note", Destructive = false, Idempotent = false, OpenWorld = false, UseStructuredContent = true)]
    [Description("Creates a new private note for the signed-in user and returns it with its id. Each call creates a separate note, even with the same title, unless it repeats an earlier call's idempotencyKey: then it returns that call's note and adds nothing.")]
    public async Task<Note> AddNote(
        ClaimsPrincipal? user,
        [Description("Short title, 1-200 characters, one line.")] string title,
        [Description("Note text, up to 30,000 characters; plain text or Markdown. Omit for an empty body.")] string? body = null,
        [Description("Up to 10 tags, each 1-32 characters of a-z, 0-9, '-' or '_' (upper case is lowered), e.g. [\"work\", \"todo\"].")] string[]? tags = null,
        [Description("Optional: a key of your choice, 1-100 characters of A-Z, a-z, 0-9, '-', '_', '.' or ':' (a UUID is ideal). Send the same key when retrying a call whose answer was lost, so the note is added once.")] string? idempotencyKey = null,
        CancellationToken cancellationToken = default)
    {
        var caller = Caller.From(user);
        return await notes.AddAsync(caller, NoteRules.ValidateTitle(title), NoteRules.ValidateBody(body), NoteRules.ValidateTags(tags), NoteRules.ValidateIdempotencyKey(idempotencyKey), cancellationToken);
    }

    [RequiresScope(McpScopes.NotesRead)]
    [McpServerTool(Name = "notes_get", Title = "Get a note", ReadOnly = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Returns one note of the signed-in user by id, with its full body.")]
    public async Task<Note> GetNote(
        ClaimsPrincipal? user,
        [Description("Note id as returned by notes_add, notes_list or notes_search, e.g. 'kq3m0z1ab-7x2fd'.")] string id,
        CancellationToken cancellationToken = default)
    {
        var caller = Caller.From(user);
        return await notes.GetAsync(caller, NoteRules.ValidateId(id), cancellationToken)
            ?? throw NotFound(id);
    }

    [RequiresScope(McpScopes.NotesRead)]
    [McpServerTool(Name = "notes_list", Title = "List notes", ReadOnly = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Lists the signed-in user's notes, newest first, one page at a time. When 'nextCursor' is not null, call again with it to get the next page.")]
    public async Task<NotePage> ListNotes(
        ClaimsPrincipal? user,
        [Description("Notes per page, 1-100. Default 20.")][Range(1, 100)] int pageSize = 20,
        [Description("The 'nextCursor' from the previous page; omit for the first page.")] string? cursor = null,
        CancellationToken cancellationToken = default)
    {
        return await notes.ListAsync(Caller.From(user), pageSize, cursor, cancellationToken);
    }

    [RequiresScope(McpScopes.NotesRead)]
    [McpServerTool(Name = "notes_search", Title = "Search notes", ReadOnly = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Finds the signed-in user's notes that contain every word of 'text' as a whole word in the title, body or tags (case-insensitive; punctuation is ignored, so 'e-mail' finds notes with both 'e' and 'mail'), optionally only those with a tag. Returns the newest matches first, 'limit' at a time; when 'nextCursor' is not null there are more, and calling again with it returns them.")]
    public async Task<NoteSearchPage> SearchNotes(
        ClaimsPrincipal? user,
        [Description("Words to look for, 1-200 characters, at most 10 words. Omit to match every note with the tag.")] string? text = null,
        [Description("Only notes with this exact tag (a-z, 0-9, '-', '_').")] string? tag = null,
        [Description("Most results to return, 1-50. Default 10.")][Range(1, 50)] int limit = 10,
        [Description("The 'nextCursor' from the previous result of the same search; omit for the first matches.")] string? cursor = null,
        CancellationToken cancellationToken = default)
    {
        var caller = Caller.From(user);
        var after = ListCursor.Unwrap(cursor, "notes_search");
        if (after is not null && !NoteRules.IsId(after))
        {
            throw ListCursor.NotForThisList();
        }

        if (text is { Length: > 200 })
        {
            throw new InvalidArgumentException($"text is {text.Length} characters long; the limit is 200.");
        }

        if (string.IsNullOrWhiteSpace(text) && tag is null)
        {
            throw new InvalidArgumentException("Give 'text', 'tag' or both. To see every note use notes_list.");
        }

        var words = string.IsNullOrWhiteSpace(text) ? 0 : NoteIndex.QueryTerms(text, null).Count;
        if (!string.IsNullOrWhiteSpace(text) && words == 0)
        {
            throw new InvalidArgumentException("text has no letters or digits to search for; search for words, such as 'invoice 2026'.");
        }

        if (words > MaxSearchWords)
        {
            throw new InvalidArgumentException($"text has {words} different words; search with at most {MaxSearchWords}.");
        }

        var validTag = tag is null ? null : NoteRules.ValidateTags([tag])[0];
        return await notes.SearchAsync(caller, string.IsNullOrWhiteSpace(text) ? null : text, validTag, limit, after, cancellationToken);
    }

    [RequiresScope(McpScopes.NotesWrite)]
    [McpServerTool(Name = "notes_update", Title = "Update a note", Destructive = true, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Changes the title, body and/or tags of one note; fields you omit stay as they are. 'tags' replaces the whole tag list. Returns the updated note.")]
    public async Task<Note> UpdateNote(
        ClaimsPrincipal? user,
        [Description("Id of the note to change.")] string id,
        [Description("New title, 1-200 characters; omit to keep the current one.")] string? title = null,
        [Description("New body, up to 30,000 characters; omit to keep the current one, or pass \"\" to clear it.")] string? body = null,
        [Description("New complete list of tags (replaces the old list); omit to keep the current tags, or pass [] to remove all.")] string[]? tags = null,
        CancellationToken cancellationToken = default)
    {
        var caller = Caller.From(user);
        NoteRules.ValidateId(id);
        if (title is null && body is null && tags is null)
        {
            throw new InvalidArgumentException("Nothing to change: give at least one of 'title', 'body' or 'tags'.");
        }

        return await notes.UpdateAsync(
                caller,
                id,
                title is null ? null : NoteRules.ValidateTitle(title),
                body is null ? null : NoteRules.ValidateBody(body),
                tags is null ? null : NoteRules.ValidateTags(tags),
                cancellationToken)
            ?? throw NotFound(id);
    }

    [RequiresScope(McpScopes.NotesWrite)]
    [McpServerTool(Name = "notes_delete", Title = "Delete a note", Destructive = true, Idempotent = true, OpenWorld = false)]
    [Description("Permanently deletes one note by id. Deleting a note that does not exist is not an error; the result says so.")]
    public async Task<string> DeleteNote(
        ClaimsPrincipal? user,
        [Description("Id of the note to delete.")] string id,
        CancellationToken cancellationToken = default)
    {
        var caller = Caller.From(user);
        var deleted = await notes.DeleteAsync(caller, NoteRules.ValidateId(id), cancellationToken);
        return deleted ? $"Deleted note {id}." : $"There was no note {id}; nothing was deleted.";
    }

    private static NotFoundException NotFound(string id) =>
        new($"No note with id '{id}' exists for you. Use notes_list or notes_search to find the right id.");
}
