namespace McpFunctions.Features.Notes;

/// <summary>Outcome of notes_import.</summary>
internal sealed record ImportResult(int Imported, IReadOnlyList<string> NoteIds);
