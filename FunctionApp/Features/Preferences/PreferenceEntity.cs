using Azure;
using Azure.Data.Tables;

namespace McpFunctions.Features.Preferences;

/// <summary>Row in the preferences table: PartitionKey = caller, RowKey = encoded key.</summary>
internal sealed class PreferenceEntity : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    /// <summary>The key as the user wrote it (RowKey holds its encoded form).</summary>
    public string Key { get; set; } = "";
    public string Value { get; set; } = "";
    public DateTimeOffset UpdatedAt { get; set; }

    public Preference ToPreference() => new(Key, Value, UpdatedAt);
}
