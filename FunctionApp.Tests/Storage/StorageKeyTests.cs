using System.Text;
using System.Text.RegularExpressions;
using McpFunctions.Storage;

namespace McpFunctions.Tests.Storage;

public sealed partial class StorageKeyTests
{
    private static readonly string[] Samples =
    [
        "plain", "local-developer", "Mixed_Case.v2", "a/b", "a\\b", "#hash", "what?", "100%", "~tilde~", "~41",
        "tab\there", "bell\u0007", "nul\0char", "new\nline", "emoji 😀 party 🎉", "日本語のファイル", "Ünïcødé",
        ".hidden", ".", "..", "../etc/passwd", "..\\..\\x", "...", "a.", "space at end ", " ", "%2F", "tid.oid",
    ];

    [TestCaseSource(nameof(Samples))]
    public void Decoding_an_encoded_value_gives_back_the_original(string value)
    {
        Assert.That(StorageKey.Decode(StorageKey.Encode(value)), Is.EqualTo(value));
    }

    [TestCaseSource(nameof(Samples))]
    public void Encoded_values_use_only_key_safe_characters_and_never_start_with_a_dot(string value)
    {
        var encoded = StorageKey.Encode(value);

        Assert.That(encoded, Does.Match(SafeCharacters()));
        Assert.That(encoded, Does.Not.StartWith("."));
        Assert.That(encoded, Is.Not.EqualTo(".").And.Not.EqualTo(".."));
    }

    [TestCase("local-developer", "local-developer")]
    [TestCase("Abc_123.x-y", "Abc_123.x-y")]
    [TestCase("a/b", "a~2Fb")]
    [TestCase("a b", "a~20b")]
    [TestCase("~", "~7E")]
    [TestCase(".hidden", "~2Ehidden")]
    [TestCase("..", "~2E.")]
    [TestCase("a.b", "a.b")]
    [TestCase("é", "~C3~A9")]
    [TestCase("😀", "~F0~9F~98~80")]
    [TestCase("\u0001", "~01")]
    public void Safe_characters_pass_through_and_everything_else_becomes_utf8_escapes(string value, string expected)
    {
        Assert.That(StorageKey.Encode(value), Is.EqualTo(expected));
    }

    [Test]
    public void Distinct_values_never_share_an_encoding()
    {
        // '~' itself is escaped, so a value that looks like an escape cannot collide with what it would decode to.
        var encodings = Samples.Concat(["A", "~41", "~7E41", "/", "~2F", ".a", "~2Ea"]).Distinct().Select(StorageKey.Encode).ToList();

        Assert.That(encodings, Is.Unique);
    }

    [Test]
    public void Random_unicode_strings_round_trip()
    {
        var random = new Random(20260728);
        var alphabet = "aZ09-_.~/\\#?% \t\n\u0001\u007fé日😀🎉".EnumerateRunes().ToArray();
        for (var i = 0; i < 2_000; i++)
        {
            var builder = new StringBuilder();
            for (var n = random.Next(1, 20); n > 0; n--)
            {
                builder.Append(alphabet[random.Next(alphabet.Length)].ToString());
            }

            var value = builder.ToString();
            var encoded = StorageKey.Encode(value);
            Assert.That(StorageKey.Decode(encoded), Is.EqualTo(value), $"value #{i}: {value}");
            Assert.That(encoded, Does.Match(SafeCharacters()).And.Not.StartWith("."));
        }
    }

    [GeneratedRegex("^[A-Za-z0-9_.~-]*$")]
    private static partial Regex SafeCharacters();
}
