using System.Text.RegularExpressions;

namespace McpFunctions.Mcp;

/// <summary>
/// Words for a request whose params the SDK could not read: which parameter is missing or of the wrong type (from
/// System.Text.Json's path and messages), or text that is not valid Unicode. Null for any other failure.
/// </summary>
internal static partial class MalformedParams
{
    public const string InvalidUnicode = "Text that is not valid Unicode was refused: a JSON string holds a lone surrogate escape (such as \\ud800) or bytes that are not UTF-8. Send well-formed text.";

    public static string? Describe(Exception exception, string? method)
    {
        var of = method is null ? "" : $" of '{method}'";
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (IsInvalidUnicode(e))
            {
                return InvalidUnicode;
            }
        }

        // System.Text.Json reads a repeated property name in an object lazily, when the object is first indexed.
        if (exception is ArgumentException { StackTrace: { } trace } duplicate && trace.Contains("System.Text.Json.Nodes.JsonObject", StringComparison.Ordinal)
            && DuplicateKey().Match(duplicate.Message) is { Success: true } key)
        {
            return $"The message names the property '{key.Groups["key"].Value}' twice in one object; each property may appear once.";
        }

        // The 2026-07-28 transport reads params.name (or params.uri) as text to compare it with the Mcp-Name header.
        if (exception is InvalidOperationException { StackTrace: { } readTrace } wrongType && readTrace.Contains("System.Text.Json.Nodes", StringComparison.Ordinal)
            && WrongNodeType().Match(wrongType.Message) is { Success: true } kind)
        {
            var parameter = method is "resources/read" or "resources/subscribe" or "resources/unsubscribe" ? "uri" : "name";
            return $"Invalid params{of}: '{parameter}' must be a string, not a {kind.Groups["kind"].Value.ToLowerInvariant()}.";
        }

        if (exception is not JsonException json)
        {
            return null;
        }

        if (MissingRequired().Match(json.Message) is { Success: true } missing)
        {
            return $"Invalid params{of}: the required parameter {missing.Groups["names"].Value.TrimEnd('.')} is missing.";
        }

        var path = json.Path is { Length: > 1 } p ? p.TrimStart('$').TrimStart('.') : null;
        return path is null
            ? $"Invalid params{of}: params must be a JSON object with the parameters the method defines."
            : $"Invalid params{of}: '{path}' has the wrong type or value.";
    }

    private static bool IsInvalidUnicode(Exception e) =>
        e is System.Text.DecoderFallbackException or System.Text.EncoderFallbackException
        || (e is InvalidOperationException or ArgumentException or JsonException
            && (e.Message.Contains("UTF-16", StringComparison.Ordinal) || e.Message.Contains("UTF-8", StringComparison.Ordinal) || e.Message.Contains("surrogate", StringComparison.OrdinalIgnoreCase)));

    [GeneratedRegex(@"same key has already been added\. Key: (?<key>[^ ]{1,100})")]
    private static partial Regex DuplicateKey();

    [GeneratedRegex("An element of type '(?<kind>[A-Za-z]+)' cannot be converted")]
    private static partial Regex WrongNodeType();

    [GeneratedRegex("missing required properties including: (?<names>.+)$")]
    private static partial Regex MissingRequired();
}
