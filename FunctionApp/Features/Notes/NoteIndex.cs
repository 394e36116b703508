using System.Text;

namespace McpFunctions.Features.Notes;

/// <summary>
/// The search index of a caller's notes: one row per (term, note) in the caller's own partition of the notes table,
/// keyed <c>~w:{word}:{note id}</c> for a word of the title, body or tags and <c>~t:{tag}:{note id}</c> for a tag, so a
/// term's rows are one key range that lists its notes newest first (note ids sort newest first).
/// </summary>
/// <remarks>
/// Table Storage has no text index of its own. Whole words rather than substrings keep the index to one row per
/// distinct word of a note, where a substring (n-gram) index would need one per distinct n-gram.
/// </remarks>
internal static class NoteIndex
{
    /// <summary>Longer words are indexed (and searched) by their first this many characters; a row key holds at most 1 KiB.</summary>
    public const int MaxWordLength = 64;

    /// <summary>The row that says a partition's notes written before the index existed have been indexed.</summary>
    public const string ReadyRow = "~index";

    private const string WordPrefix = "~w:";
    private const string TagPrefix = "~t:";

    /// <summary>Every term of a note: its words (title, body and tags, lower-cased) and its tags.</summary>
    public static HashSet<string> Terms(string title, string body, IEnumerable<string> tags)
    {
        var terms = new HashSet<string>(StringComparer.Ordinal);
        AddWords(terms, title);
        AddWords(terms, body);
        foreach (var tag in tags)
        {
            AddWords(terms, tag);
            terms.Add(TagPrefix + tag);
        }

        return terms;
    }

    public static HashSet<string> Terms(NoteEntity note) =>
        Terms(note.Title, note.Body, note.Tags.Length == 0 ? [] : note.Tags.Split(','));

    /// <summary>The terms a search needs a note to have: every word of <paramref name="text"/>, and the tag.</summary>
    public static HashSet<string> QueryTerms(string? text, string? tag)
    {
        var terms = new HashSet<string>(StringComparer.Ordinal);
        if (text is not null)
        {
            AddWords(terms, text);
        }

        if (tag is not null)
        {
            terms.Add(TagPrefix + tag);
        }

        return terms;
    }

    /// <summary>The index row key of <paramref name="term"/> in note <paramref name="noteId"/>.</summary>
    public static string RowKey(string term, string noteId) => term + ":" + noteId;

    /// <summary>The key range of a term's rows: from <c>{term}:</c> up to, not including, <c>{term};</c>.</summary>
    public static (string From, string To) Range(string term) => (term + ":", term + ";");

    /// <summary>The note id in an index row key of <paramref name="term"/>.</summary>
    public static string NoteId(string term, string rowKey) => rowKey[(term.Length + 1)..];

    /// <summary>Words are runs of letters and digits, lower-cased; everything else separates them.</summary>
    private static void AddWords(HashSet<string> terms, string text)
    {
        var word = new StringBuilder(MaxWordLength + WordPrefix.Length);
        var letters = 0;
        foreach (var c in text)
        {
            if (char.IsLetterOrDigit(c))
            {
                if (letters == 0)
                {
                    word.Clear().Append(WordPrefix);
                }

                if (letters++ < MaxWordLength)
                {
                    word.Append(char.ToLowerInvariant(c));
                }
            }
            else if (letters > 0)
            {
                terms.Add(word.ToString());
                letters = 0;
            }
        }

        if (letters > 0)
        {
            terms.Add(word.ToString());
        }
    }
}
