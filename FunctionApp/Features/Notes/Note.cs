using System.ComponentModel;

namespace McpFunctions.Features.Notes;

/// <summary>A user's note as tools return it.</summary>
internal sealed record Note(
    [property: Description("Note id; pass it to notes_get, notes_update or notes_delete.")] string Id,
    string Title,
    string Body,
    IReadOnlyList<string> Tags,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);

/// <summary>One page of notes, newest first.</summary>
internal sealed record NotePage(
    IReadOnlyList<Note> Notes,
    [property: Description("Pass as 'cursor' to get the next page; null when this is the last page.")] string? NextCursor);

/// <summary>Search matches, newest first.</summary>
internal sealed record NoteSearchPage(
    IReadOnlyList<Note> Notes,
    [property: Description("Pass as 'cursor', with the same text and tag, to get more matches; null when there are no more.")] string? NextCursor);
