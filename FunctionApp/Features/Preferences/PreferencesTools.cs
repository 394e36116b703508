using System.ComponentModel;
using System.Security.Claims;
using McpFunctions.Auth;

namespace McpFunctions.Features.Preferences;

/// <summary>Small key/value settings per user in Table Storage.</summary>
[McpServerToolType]
internal sealed class PreferencesTools(PreferenceStore preferences)
{
    private const string KeyDescription =
        "Preference key, 1-200 characters: letters, digits, spaces and - _ . , + = @ ( ) [ ] ' ! & $ ~ (no '/', '#', '?'). Case-sensitive, e.g. 'reply.language'.";

    [RequiresScope(McpScopes.PreferencesRead)]
    [McpServerTool(Name = "preferences_get", Title = "Get a preference", ReadOnly = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Returns the value stored under one preference key for the signed-in user.")]
    public async Task<Preference> GetPreference(
        ClaimsPrincipal? user,
        [Description(KeyDescription)] string key,
        CancellationToken cancellationToken = default)
    {
        var caller = Caller.From(user);
        var name = ItemName.Validate(key, "preference key");
        return await preferences.GetAsync(caller, name, cancellationToken)
            ?? throw new NotFoundException($"No preference '{name}' is set. Use preferences_list to see the keys that exist.");
    }

    [RequiresScope(McpScopes.PreferencesWrite)]
    [McpServerTool(Name = "preferences_set", Title = "Set a preference", Destructive = true, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Stores a value under a preference key for the signed-in user, replacing any previous value. At most 500 keys per user.")]
    public async Task<Preference> SetPreference(
        ClaimsPrincipal? user,
        [Description(KeyDescription)] string key,
        [Description("Value to store, up to 8,000 characters of text (store JSON as text if you need structure).")] string value,
        CancellationToken cancellationToken = default)
    {
        var caller = Caller.From(user);
        return await preferences.SetAsync(caller, ItemName.Validate(key, "preference key"), PreferenceStore.ValidateValue(value), cancellationToken);
    }

    [RequiresScope(McpScopes.PreferencesRead)]
    [McpServerTool(Name = "preferences_list", Title = "List preferences", ReadOnly = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Lists all of the signed-in user's preferences (keys and values) sorted by key, optionally only keys starting with a prefix.")]
    public async Task<IReadOnlyList<Preference>> ListPreferences(
        ClaimsPrincipal? user,
        [Description("Only keys that start with this text (case-sensitive); omit for all.")] string? prefix = null,
        CancellationToken cancellationToken = default)
    {
        var caller = Caller.From(user);
        return await preferences.ListAsync(caller, string.IsNullOrEmpty(prefix) ? null : prefix, cancellationToken);
    }

    [RequiresScope(McpScopes.PreferencesWrite)]
    [McpServerTool(Name = "preferences_delete", Title = "Delete a preference", Destructive = true, Idempotent = true, OpenWorld = false)]
    [Description("Removes one preference key and its value. Removing a key that does not exist is not an error; the result says so.")]
    public async Task<string> DeletePreference(
        ClaimsPrincipal? user,
        [Description(KeyDescription)] string key,
        CancellationToken cancellationToken = default)
    {
        var caller = Caller.From(user);
        var name = ItemName.Validate(key, "preference key");
        return await preferences.DeleteAsync(caller, name, cancellationToken)
            ? $"Deleted preference '{name}'."
            : $"There was no preference '{name}'; nothing was deleted.";
    }
}
