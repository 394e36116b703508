using Azure;
using Azure.Data.Tables;

namespace McpFunctions.Features.Notes;

/// <summary>Row in the notes table: PartitionKey = caller, RowKey = note id.</summary>
internal sealed class NoteEntity : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string Title { get; set; } = "";
    public string Body { get; set; } = "";

    /// <summary>Tags joined with ','; each tag is [a-z0-9_-] so the separator cannot appear inside one.</summary>
    public string Tags { get; set; } = "";

    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    public Note ToNote() => new(
        RowKey,
        Title,
        Body,
        Tags.Length == 0 ? [] : Tags.Split(','),
        CreatedAt,
        UpdatedAt);
}
