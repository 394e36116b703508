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

    /// <summary>What a scope allows, in words for the consent and account pages.</summary>
    public static string Describe(string scope) => scope switch
    {
        NotesRead => "Read your notes",
        NotesWrite => "Create, change and delete your notes",
        FilesRead => "Read your files",
        FilesWrite => "Create, change and delete your files",
        PreferencesRead => "Read your preferences",
        PreferencesWrite => "Change your preferences",
        _ => scope,
    };
}
