using System.Globalization;
using System.Text;
using McpFunctions.Storage;

namespace McpFunctions.Features;

/// <summary>
/// Validates names that users choose (file names, preference keys) before they reach storage.
/// </summary>
/// <remarks>
/// Encoding (<see cref="StorageKey"/>) already makes any string safe as a key; these rules exist so that names stay
/// portable in resource URIs and so that a model gets a precise reason instead of a surprising stored name.
/// </remarks>
internal static class ItemName
{
    public const int MaxLength = 200;

    /// <summary>Punctuation allowed besides letters, digits, marks and inner spaces.</summary>
    public const string AllowedPunctuation = "-_.,+=@()[]'!&$~";

    /// <summary>Returns the name unchanged, or throws an <see cref="InvalidArgumentException"/> that says what is wrong.</summary>
    public static string Validate(string? name, string what)
    {
        if (string.IsNullOrEmpty(name))
        {
            throw new InvalidArgumentException($"The {what} is required.");
        }

        if (name.Length > MaxLength)
        {
            throw new InvalidArgumentException($"The {what} is {name.Length} characters long; the limit is {MaxLength}.");
        }

        if (name is "." or "..")
        {
            throw new InvalidArgumentException($"The {what} cannot be '.' or '..'.");
        }

        if (char.IsWhiteSpace(name[0]) || char.IsWhiteSpace(name[^1]))
        {
            throw new InvalidArgumentException($"The {what} cannot start or end with whitespace.");
        }

        var rejected = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var rune in name.EnumerateRunes())
        {
            if (!IsAllowed(rune))
            {
                rejected.Add(Describe(rune));
            }
        }

        if (rejected.Count > 0)
        {
            throw new InvalidArgumentException(
                $"The {what} contains characters that are not allowed: {string.Join(", ", rejected)}. " +
                $"Use letters, digits, spaces and {AllowedPunctuation} (no '/', '\\', '#', '?', '%' or control characters).");
        }

        return name;
    }

    private static bool IsAllowed(Rune rune)
    {
        if (rune.Value == ' ')
        {
            return true;
        }

        if (rune.IsAscii && AllowedPunctuation.Contains((char)rune.Value))
        {
            return true;
        }

        return Rune.GetUnicodeCategory(rune) switch
        {
            UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter
                or UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark
                or UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber => true,
            _ => false,
        };
    }

    private static string Describe(Rune rune) =>
        Rune.IsControl(rune) || Rune.IsWhiteSpace(rune)
            ? $"U+{rune.Value:X4}"
            : $"'{rune}'";
}
