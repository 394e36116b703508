using System.Security.Claims;

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

    /// <summary>
    /// Whether the caller holds <paramref name="scope"/>: as a delegated scope (<c>scp</c> from Entra, <c>scope</c> or
    /// <c>oi_scp</c> from this server) or as an app role of the same name. Reads the claims without allocating.
    /// </summary>
    public static bool IsHeldBy(ClaimsPrincipal? user, string scope)
    {
        if (user is null)
        {
            return false;
        }

        foreach (var claim in user.Claims)
        {
            switch (claim.Type)
            {
                case "scp" or "scope":
                    foreach (var range in claim.Value.AsSpan().Split(' '))
                    {
                        if (claim.Value.AsSpan(range).SequenceEqual(scope))
                        {
                            return true;
                        }
                    }

                    break;
                case "oi_scp" or "roles" or ClaimTypes.Role when claim.Value == scope:
                    return true;
            }
        }

        return false;
    }

    /// <summary>Whether the caller holds every scope this server defines (then no per-tool check can refuse it).</summary>
    public static bool AllHeldBy(ClaimsPrincipal? user)
    {
        foreach (var scope in All)
        {
            if (!IsHeldBy(user, scope))
            {
                return false;
            }
        }

        return true;
    }

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
