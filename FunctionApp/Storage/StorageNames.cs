namespace McpFunctions.Storage;

/// <summary>Logical table names; the physical name is <see cref="StorageOptions.TablePrefix"/> + logical name.</summary>
public static class StorageNames
{
    public const string Notes = "notes";
    public const string Preferences = "preferences";
}
