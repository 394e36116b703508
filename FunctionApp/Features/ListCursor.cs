using McpFunctions.Storage;

namespace McpFunctions.Features;

/// <summary>The paging cursors that list tools hand to clients, checked when they come back (wrapped by <see cref="PageCursor"/>).</summary>
internal static class ListCursor
{
    /// <summary>The storage continuation token in the cursor (null for the first page).</summary>
    public static string? Unwrap(string? cursor, string toolName) =>
        PageCursor.TryUnwrap(cursor, out var continuationToken)
            ? continuationToken
            : throw new InvalidArgumentException($"The cursor is not valid. Pass the 'nextCursor' value from the previous {toolName} result unchanged, or omit it to start from the first page.");

    /// <summary>A well-formed cursor that storage refused: it belongs to another list.</summary>
    public static InvalidArgumentException NotForThisList() =>
        new("The cursor is not valid for this list. Omit it to start from the first page.");
}
