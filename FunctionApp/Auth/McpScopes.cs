namespace McpFunctions.Auth;

/// <summary>The scopes this resource server knows: what a token (or an Entra app role) may grant a client.</summary>
internal static class McpScopes
{
    public const string NotesRead = "notes.read";
    public const string NotesWrite = "notes.write";
    public const string FilesRead = "files.read";
    public const string FilesWrite = "files.write";
    public const string PreferencesRead = "preferences.read";
    public const string PreferencesWrite = "preferences.write";

    /// <summary>Every scope, in the order metadata lists them.</summary>
    public static readonly string[] All = [NotesRead, NotesWrite, FilesRead, FilesWrite, PreferencesRead, PreferencesWrite];
}
