using System.ComponentModel;
using System.Security.Claims;
using McpFunctions.Auth;
using McpFunctions.Features.Files;
using McpFunctions.Tasks;

namespace McpFunctions.Features.Notes;

/// <summary>Long-running work: writes all of the user's notes to one file, a JSON array that notes_import reads back.</summary>
[McpServerToolType]
internal sealed class NoteExportTools(NoteStore notes, UserFileStore files, ILogger<NoteExportTools> logger)
{
    public const string ToolName = "notes_export";

    /// <remarks>Re-runnable: a second run writes the same file again, from the notes as they are then.</remarks>
    [RequiresScope(McpScopes.NotesRead)]
    [RequiresScope(McpScopes.FilesWrite)]
    [TaskTool(Rerunnable = true)]
    [McpServerTool(Name = ToolName, Title = "Export all notes to a file", Destructive = false, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description(
        "Writes every note of the signed-in user to one file (replacing a file of that name) as a JSON array of " +
        "{\"title\", \"body\", \"tags\"} objects, the format notes_import reads, reporting progress per page of notes. " +
        "Read it with files_read or the files:/// resource. For a client that supports MCP tasks it runs as a task.")]
    public async Task<ExportResult> ExportNotes(
        ClaimsPrincipal? user,
        IProgress<ModelContextProtocol.ProgressNotificationValue> progress,
        [Description("Name of the file to write, e.g. 'notes-export.json'.")] string fileName,
        CancellationToken cancellationToken = default)
    {
        var caller = Caller.From(user);
        var name = ItemName.Validate(fileName, "file name");
        var total = await notes.CountAsync(caller, cancellationToken);
        var exported = new List<ExportedNote>(total);
        string? cursor = null;
        do
        {
            var page = await notes.ListAsync(caller, 100, cursor, cancellationToken);
            exported.AddRange(page.Notes.Select(n => new ExportedNote(n.Title, n.Body, n.Tags)));
            cursor = page.NextCursor;
            progress.Report(new ModelContextProtocol.ProgressNotificationValue
            {
                Progress = exported.Count,
                Total = Math.Max(total, exported.Count),
                Message = $"Read {exported.Count} of {Math.Max(total, exported.Count)} notes",
            });
        }
        while (cursor is not null);

        var content = new BinaryData(JsonSerializer.SerializeToUtf8Bytes(exported, NotesJson.Default.ListExportedNote));
        var (file, _) = await files.WriteAsync(caller, name, content, "application/json", cancellationToken);
        logger.LogInformation("Exported {Count} notes to a file of {Bytes} bytes", exported.Count, file.Size);
        return new ExportResult(name, exported.Count, file.Size);
    }
}

/// <summary>One note as notes_export writes it and notes_import reads it.</summary>
internal sealed record ExportedNote(string Title, string Body, IReadOnlyList<string> Tags);

/// <summary>Outcome of notes_export.</summary>
internal sealed record ExportResult(
    [property: Description("The file written; read it with files_read.")] string FileName,
    int Notes,
    [property: Description("The file's size in bytes.")] long Bytes);
