using System.ComponentModel.DataAnnotations;

namespace McpFunctions.Storage;

/// <summary>Names and limits of the app's own tables and containers (configuration section <c>Storage</c>).</summary>
internal sealed record StorageOptions
{
    public const string SectionName = "Storage";

    /// <summary>Prefix of every table the app creates, so one account can serve several apps and the Functions host.</summary>
    [Required, RegularExpression("^[A-Za-z][A-Za-z0-9]{0,19}$")]
    public string TablePrefix { get; init; } = "mcp";

    /// <summary>Blob container holding user files.</summary>
    [Required, RegularExpression("^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$")]
    public string FilesContainer { get; init; } = "mcp-files";

    /// <summary>Blob container holding the Data Protection key ring shared by all instances.</summary>
    [Required, RegularExpression("^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$")]
    public string KeysContainer { get; init; } = "mcp-keys";

    /// <summary>Largest file a user can write, in bytes (after base64 decoding).</summary>
    [Range(1, 64 * 1024 * 1024)]
    public int MaxFileBytes { get; init; } = 2 * 1024 * 1024;
}

/// <summary>Checks the data annotations on <see cref="StorageOptions"/> with source-generated code (no reflection at start-up).</summary>
[OptionsValidator]
internal sealed partial class StorageOptionsValidator : IValidateOptions<StorageOptions>;
