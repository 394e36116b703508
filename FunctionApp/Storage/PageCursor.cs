using System.Text;
using Microsoft.AspNetCore.WebUtilities;
using ModelContextProtocol;

namespace McpFunctions.Storage;

/// <summary>Opaque paging cursors handed to clients; wraps the storage continuation token.</summary>
/// <remarks>
/// Queries are always filtered to the caller's partition, so a forged cursor can at most skip rows of the
/// caller's own data; it cannot reach another partition.
/// </remarks>
public static class PageCursor
{
    private const string Prefix = "c1.";

    public static string? Wrap(string? continuationToken) =>
        continuationToken is null ? null : Prefix + WebEncoders.Base64UrlEncode(Encoding.UTF8.GetBytes(continuationToken));

    public static string? Unwrap(string? cursor, string toolName)
    {
        if (string.IsNullOrEmpty(cursor))
        {
            return null;
        }

        try
        {
            if (cursor.StartsWith(Prefix, StringComparison.Ordinal) && cursor.Length <= 2048)
            {
                return Encoding.UTF8.GetString(WebEncoders.Base64UrlDecode(cursor[Prefix.Length..]));
            }
        }
        catch (FormatException)
        {
        }

        throw new McpException($"The cursor is not valid. Pass the 'nextCursor' value from the previous {toolName} result unchanged, or omit it to start from the first page.");
    }
}
