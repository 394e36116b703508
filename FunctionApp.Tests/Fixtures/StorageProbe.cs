using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using McpFunctions.Auth;
using McpFunctions.Storage;

namespace McpFunctions.Tests.Fixtures;

/// <summary>
/// Reads the run's Azurite directly (not through the app), so tests can check what really got stored.
/// </summary>
/// <remarks>Table and container names are the app's defaults: prefix "mcp", container "mcp-files".</remarks>
public static class StorageProbe
{
    public const string NotesTable = "mcp" + StorageNames.Notes;
    public const string PreferencesTable = "mcp" + StorageNames.Preferences;
    public const string FilesContainer = "mcp-files";

    /// <summary>The encoded partition (and blob prefix) of the Development principal every client runs as.</summary>
    public static string LocalDeveloperPartition { get; } = StorageKey.Encode(LocalDeveloper.SubjectId);

    public static TableServiceClient Tables => new(TestRun.Azurite.ConnectionString);

    public static BlobContainerClient Files => new BlobServiceClient(TestRun.Azurite.ConnectionString).GetBlobContainerClient(FilesContainer);

    /// <summary>Rows of one table in one partition; empty when the table does not exist yet.</summary>
    public static async Task<IReadOnlyList<TableEntity>> RowsAsync(string table, string partition, CancellationToken cancellationToken = default)
    {
        var rows = new List<TableEntity>();
        try
        {
            await foreach (var row in Tables.GetTableClient(table).QueryAsync<TableEntity>(e => e.PartitionKey == partition, cancellationToken: cancellationToken))
            {
                rows.Add(row);
            }
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
        }

        return rows;
    }

    /// <summary>The local developer's notes whose title contains <paramref name="marker"/>.</summary>
    public static async Task<IReadOnlyList<TableEntity>> NotesTitledAsync(string marker, CancellationToken cancellationToken = default) =>
        (await RowsAsync(NotesTable, LocalDeveloperPartition, cancellationToken))
            .Where(r => r.GetString("Title")?.Contains(marker, StringComparison.Ordinal) == true)
            .ToArray();

    /// <summary>Decoded names of the local developer's files (blob names after the partition prefix).</summary>
    public static async Task<IReadOnlyList<string>> FileNamesAsync(CancellationToken cancellationToken = default)
    {
        var prefix = LocalDeveloperPartition + "/";
        return (await BlobNamesAsync(prefix, cancellationToken)).Select(n => StorageKey.Decode(n[prefix.Length..])).ToArray();
    }

    public static async Task<IReadOnlyList<string>> BlobNamesAsync(string? prefix = null, CancellationToken cancellationToken = default)
    {
        var names = new List<string>();
        try
        {
            await foreach (var blob in Files.GetBlobsAsync(new Azure.Storage.Blobs.Models.GetBlobsOptions { Prefix = prefix }, cancellationToken))
            {
                names.Add(blob.Name);
            }
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
        }

        return names;
    }

    /// <summary>
    /// Everything stored anywhere (every partition of notes and preferences, every blob) whose key, decoded key,
    /// title, body or preference key/value contains <paramref name="marker"/>: the evidence that a rejected
    /// request left nothing behind.
    /// </summary>
    public static async Task<IReadOnlyList<string>> StoredItemsMentioningAsync(string marker, CancellationToken cancellationToken = default)
    {
        var found = new List<string>();
        foreach (var table in new[] { NotesTable, PreferencesTable })
        {
            try
            {
                await foreach (var row in Tables.GetTableClient(table).QueryAsync<TableEntity>(cancellationToken: cancellationToken))
                {
                    var texts = new[] { row.RowKey, StorageKey.Decode(row.RowKey) }
                        .Concat(((IDictionary<string, object>)row).Values.OfType<string>());
                    if (texts.Any(t => t.Contains(marker, StringComparison.Ordinal)))
                    {
                        found.Add($"{table}: {row.PartitionKey}/{row.RowKey}");
                    }
                }
            }
            catch (RequestFailedException e) when (e.Status == 404)
            {
            }
        }

        foreach (var name in await BlobNamesAsync(cancellationToken: cancellationToken))
        {
            if (name.Contains(marker, StringComparison.Ordinal) || StorageKey.Decode(name).Contains(marker, StringComparison.Ordinal))
            {
                found.Add($"blob: {name}");
            }
        }

        return found;
    }
}
