using System.Text;
using Microsoft.AspNetCore.WebUtilities;

namespace McpFunctions.Storage;

/// <summary>Opaque paging cursors handed to clients; wraps the storage continuation token.</summary>
/// <remarks>
/// Queries are always filtered to the caller's partition, so a forged cursor can at most skip rows of the
/// caller's own data; it cannot reach another partition.
/// </remarks>
internal static class PageCursor
{
    private const string Prefix = "c1.";

    public static string? Wrap(string? continuationToken) =>
        continuationToken is null ? null : Prefix + WebEncoders.Base64UrlEncode(Encoding.UTF8.GetBytes(continuationToken));

    /// <summary>The continuation token inside a cursor (null for none, the first page); false when the cursor is not one of ours.</summary>
    public static bool TryUnwrap(string? cursor, out string? continuationToken)
    {
        continuationToken = null;
        if (string.IsNullOrEmpty(cursor))
        {
            return true;
        }

        try
        {
            if (cursor.StartsWith(Prefix, StringComparison.Ordinal) && cursor.Length <= 2048)
            {
                continuationToken = Encoding.UTF8.GetString(WebEncoders.Base64UrlDecode(cursor[Prefix.Length..]));
                return true;
            }
        }
        catch (FormatException)
        {
        }

        return false;
    }
}
