using System.ComponentModel;
using System.Security.Claims;
using McpFunctions.Auth;
using McpFunctions.Features.Files;
using McpFunctions.Sessions.State;
using McpFunctions.Tasks;

#pragma warning disable MCP9005 // client log messages for 2025-11-25 sessions

namespace McpFunctions.Features.Notes;

/// <summary>Long-running work: imports many notes from one of the user's files, reporting progress per note.</summary>
[McpServerToolType]
internal sealed class NoteImportTools(NoteStore notes, UserFileStore files, ClientLog clientLog, ILogger<NoteImportTools> logger)
{
    public const int MaxNotesPerImport = 1_000;
    public const string ToolName = "notes_import";

    [RequiresScope(McpScopes.NotesWrite)]
    [RequiresScope(McpScopes.FilesRead)]
    [TaskTool(IdempotencyKeyArgument = "idempotencyKey")]
    [McpServerTool(Name = ToolName, Title = "Import notes from a file", Destructive = false, Idempotent = false, OpenWorld = false, UseStructuredContent = true)]
    [Description(
        "Creates one note per entry of a file you stored with files_write, reporting progress after each note. " +
        "Formats: a JSON array of {\"title\", \"body\", \"tags\"} objects, or text where entries are separated by a line '---', " +
        "the first line of an entry is its title ('# ' allowed), an optional 'tags: a, b' line sets tags, and the rest is the body. " +
        "Every entry is checked before anything is stored; at most 1,000 entries. If cancelled, notes imported so far are kept. " +
        "With an idempotencyKey, running the same import again (after a lost answer or a cancellation) adds only the entries not yet added. " +
        "For a client that supports MCP tasks it runs as a task, with its progress as the task's status message.")]
    public async Task<ImportResult> ImportNotes(
        ClaimsPrincipal? user,
        RequestContext<CallToolRequestParams> request,
        IProgress<ModelContextProtocol.ProgressNotificationValue> progress,
        [Description("Name of the file to import, as given to files_write.")] string fileName,
        [Description("Optional: a key of your choice, 1-90 characters of A-Z, a-z, 0-9, '-', '_', '.' or ':' (a UUID is ideal). Repeat it to resume or retry this import without adding any entry twice.")] string? idempotencyKey = null,
        CancellationToken cancellationToken = default)
    {
        var caller = Caller.From(user);
        var importKey = NoteRules.ValidateIdempotencyKey(idempotencyKey);
        if (importKey?.Length > 90)
        {
            throw new InvalidArgumentException("An import's idempotency key is at most 90 characters (each entry's key adds its number).");
        }

        var name = ItemName.Validate(fileName, "file name");
        var file = await files.ReadAsync(caller, name, cancellationToken)
            ?? throw new NotFoundException($"There is no file named '{name}'. Store it first with files_write, or check files_list.");

        var entries = Parse(file.Content.ToString());
        if (entries.Count == 0)
        {
            throw new InvalidArgumentException($"'{name}' contains no notes. Use a JSON array of {{\"title\", \"body\", \"tags\"}} or entries separated by '---' lines.");
        }

        if (entries.Count > MaxNotesPerImport)
        {
            throw new InvalidArgumentException($"'{name}' has {entries.Count} entries; one import takes at most {MaxNotesPerImport}. Split the file.");
        }

        var validated = entries.Select((e, i) => Validate(e, i + 1)).ToArray();
        await clientLog.SendAsync(request, LoggingLevel.Info, ToolName, $"Importing {validated.Length} notes from '{name}'.", cancellationToken);
        var imported = new List<string>(validated.Length);
        try
        {
            foreach (var (entry, index) in validated.Select((e, i) => (e, i)))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var note = await notes.AddAsync(caller, entry.Title, entry.Body, entry.Tags, importKey is null ? null : $"{importKey}:{index}", cancellationToken);
                imported.Add(note.Id);
                progress.Report(new ModelContextProtocol.ProgressNotificationValue
                {
                    Progress = imported.Count,
                    Total = validated.Length,
                    Message = $"Imported {imported.Count} of {validated.Length}: {note.Title}",
                });
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            logger.LogInformation("Note import cancelled after {Imported} of {Total} notes", imported.Count, validated.Length);
            throw;
        }

        await clientLog.SendAsync(request, LoggingLevel.Info, ToolName, $"Imported {imported.Count} notes from '{name}'.", cancellationToken);
        return new ImportResult(imported.Count, imported);
    }

    private static ParsedEntry Validate(ParsedEntry entry, int position)
    {
        try
        {
            return new ParsedEntry(
                NoteRules.ValidateTitle(entry.Title),
                NoteRules.ValidateBody(entry.Body),
                NoteRules.ValidateTags(entry.Tags));
        }
        catch (InvalidArgumentException e)
        {
            throw new InvalidArgumentException($"Entry {position} cannot be imported, so nothing was imported: {e.Message}");
        }
    }

    internal static List<ParsedEntry> Parse(string content)
    {
        var trimmed = content.TrimStart('\uFEFF', ' ', '\t', '\r', '\n');
        return trimmed.StartsWith('[') ? ParseJson(trimmed) : ParseText(trimmed);
    }

    private static List<ParsedEntry> ParseJson(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            var result = new List<ParsedEntry>();
            foreach (var item in document.RootElement.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.Object)
                {
                    throw new InvalidArgumentException($"Entry {result.Count + 1} is not a JSON object with 'title', 'body' and 'tags'.");
                }

                result.Add(new ParsedEntry(
                    item.TryGetProperty("title", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString()! : "",
                    item.TryGetProperty("body", out var b) && b.ValueKind == JsonValueKind.String ? b.GetString()! : "",
                    item.TryGetProperty("tags", out var g) && g.ValueKind == JsonValueKind.Array
                        ? g.EnumerateArray().Select(x => x.ValueKind == JsonValueKind.String ? x.GetString()! : x.GetRawText()).ToArray()
                        : []));
            }

            return result;
        }
        catch (JsonException e)
        {
            throw new InvalidArgumentException($"The file starts with '[' but is not valid JSON: {e.Message}");
        }
    }

    private static List<ParsedEntry> ParseText(string text)
    {
        var result = new List<ParsedEntry>();
        var lines = text.ReplaceLineEndings("\n").Split('\n');
        var chunk = new List<string>();
        foreach (var line in lines.Append("---"))
        {
            if (line.Trim() != "---")
            {
                chunk.Add(line);
                continue;
            }

            var content = chunk.SkipWhile(string.IsNullOrWhiteSpace).ToList();
            chunk.Clear();
            if (content.Count == 0)
            {
                continue;
            }

            var title = content[0].TrimStart('#', ' ').Trim();
            var tags = Array.Empty<string>();
            var bodyLines = content.Skip(1).ToList();
            var tagLine = bodyLines.FindIndex(l => l.StartsWith("tags:", StringComparison.OrdinalIgnoreCase));
            if (tagLine >= 0)
            {
                tags = bodyLines[tagLine]["tags:".Length..].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                bodyLines.RemoveAt(tagLine);
            }

            result.Add(new ParsedEntry(title, string.Join('\n', bodyLines).Trim(), tags));
        }

        return result;
    }

    internal sealed record ParsedEntry(string Title, string Body, IReadOnlyList<string> Tags);
}
