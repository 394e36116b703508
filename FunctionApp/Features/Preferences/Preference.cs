namespace McpFunctions.Features.Preferences;

/// <summary>A user's preference value as tools return it.</summary>
internal sealed record Preference(string Key, string Value, DateTimeOffset UpdatedAt);
