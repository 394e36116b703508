using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace McpFunctions.Features.Notes;

/// <summary>Limits, id format and tag rules for notes, shared by the store and the tools' descriptions.</summary>
internal static partial class NoteRules
{
    public const int MaxTitleLength = 200;
    public const int MaxBodyLength = 30_000;
    public const int MaxTags = 10;
    public const int MaxTagLength = 32;

    /// <summary>Ids sort newest first: 9 base-36 digits of (horizon - now in ms), then 5 random base-36 digits.</summary>
    private static readonly long HorizonMs = new DateTimeOffset(5000, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
    private const string Digits = "0123456789abcdefghijklmnopqrstuvwxyz";

    public static string NewId(DateTimeOffset now)
    {
        Span<char> id = stackalloc char[15];
        var inverted = HorizonMs - now.ToUnixTimeMilliseconds();
        for (var i = 8; i >= 0; i--)
        {
            id[i] = Digits[(int)(inverted % 36)];
            inverted /= 36;
        }

        id[9] = '-';
        for (var i = 10; i < 15; i++)
        {
            id[i] = Digits[RandomNumberGenerator.GetInt32(36)];
        }

        return new string(id);
    }

    public static bool IsId([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] string? id) => !string.IsNullOrEmpty(id) && IdPattern().IsMatch(id);

    public static string ValidateId(string? id)
    {
        if (!IsId(id))
        {
            throw new InvalidArgumentException(
                $"'{Truncate(id)}' is not a note id. Ids look like 'kq3m0z1ab-7x2fd'; get them from notes_list or notes_search.");
        }

        return id;
    }

    /// <summary>Null stays null (no key); anything else must be 1-100 characters of A-Z, a-z, 0-9, '-', '_', '.' or ':'.</summary>
    public static string? ValidateIdempotencyKey(string? key)
    {
        if (key is not null && (key.Length is 0 or > 100 || !key.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':')))
        {
            throw new InvalidArgumentException(
                $"'{Truncate(key)}' is not an idempotency key: use 1-100 characters of A-Z, a-z, 0-9, '-', '_', '.' or ':', such as a UUID.");
        }

        return key;
    }

    public static string ValidateTitle(string? title)
    {
        if (string.IsNullOrWhiteSpace(title))
        {
            throw new InvalidArgumentException("The note title is required and cannot be blank.");
        }

        title = title.Trim();
        if (title.Length > MaxTitleLength)
        {
            throw new InvalidArgumentException($"The note title is {title.Length} characters long; the limit is {MaxTitleLength}.");
        }

        RejectControlCharacters(title, "title", allowNewlines: false);
        return title;
    }

    public static string ValidateBody(string? body)
    {
        body ??= "";
        if (body.Length > MaxBodyLength)
        {
            throw new InvalidArgumentException($"The note body is {body.Length} characters long; the limit is {MaxBodyLength}. Split it into several notes or store it with files_write.");
        }

        RejectControlCharacters(body, "body", allowNewlines: true);
        return body;
    }

    public static IReadOnlyList<string> ValidateTags(IEnumerable<string>? tags)
    {
        var result = new List<string>();
        foreach (var raw in tags ?? [])
        {
            var tag = (raw ?? "").Trim().ToLowerInvariant();
            if (!TagPattern().IsMatch(tag))
            {
                throw new InvalidArgumentException(
                    $"Tag '{Truncate(raw)}' is not valid: tags are 1-{MaxTagLength} characters of a-z, 0-9, '-' or '_'.");
            }

            if (!result.Contains(tag))
            {
                result.Add(tag);
            }
        }

        if (result.Count > MaxTags)
        {
            throw new InvalidArgumentException($"A note can have at most {MaxTags} tags; {result.Count} were given.");
        }

        return result;
    }

    private static void RejectControlCharacters(string value, string field, bool allowNewlines)
    {
        foreach (var c in value)
        {
            if (char.IsControl(c) && !(allowNewlines && c is '\n' or '\r' or '\t'))
            {
                throw new InvalidArgumentException($"The note {field} contains the control character U+{(int)c:X4}; remove it.");
            }
        }
    }

    private static string Truncate(string? value) =>
        value is null ? "" : value.Length <= 40 ? value : value[..40] + "…";

    [GeneratedRegex("^[0-9a-z]{9}-[0-9a-z]{5}$")]
    private static partial Regex IdPattern();

    [GeneratedRegex("^[a-z0-9_-]{1,32}$")]
    private static partial Regex TagPattern();
}
