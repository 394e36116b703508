namespace McpFunctions.Features.Files;

/// <summary>Resource URIs of user files: <c>files:///{name}</c>, the name percent-encoded.</summary>
internal static class FileUri
{
    public const string Prefix = "files:///";
    public const string Template = "files:///{name}";

    public static string For(string name) => Prefix + Uri.EscapeDataString(name);

    /// <summary>Extracts the (unescaped) file name; false when the URI is not a file resource URI.</summary>
    public static bool TryParse(string? uri, out string name)
    {
        name = "";
        if (uri is null || !uri.StartsWith(Prefix, StringComparison.Ordinal) || uri.Length == Prefix.Length)
        {
            return false;
        }

        try
        {
            name = Uri.UnescapeDataString(uri[Prefix.Length..]);
            return true;
        }
        catch (UriFormatException)
        {
            return false;
        }
    }
}
