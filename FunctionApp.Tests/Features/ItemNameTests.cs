using McpFunctions.Features;
using ModelContextProtocol;

namespace McpFunctions.Tests.Features;

public sealed class ItemNameTests
{
    [TestCase("meeting notes.md")]
    [TestCase("reply.language")]
    [TestCase("a")]
    [TestCase("...")]
    [TestCase(".hidden")]
    [TestCase("Résumé (final) [v2].pdf")]
    [TestCase("日本語のファイル.txt")]
    [TestCase("a-_.,+=@()[]'!&$~z")]
    [TestCase("inner  spaces")]
    [TestCase("e\u0301")] // combining mark
    public void Names_of_letters_digits_inner_spaces_and_the_allowed_punctuation_are_accepted(string name)
    {
        Assert.That(ItemName.Validate(name, "file name"), Is.EqualTo(name));
    }

    [Test]
    public void A_name_of_exactly_the_maximum_length_is_accepted()
    {
        var name = new string('x', ItemName.MaxLength);

        Assert.That(ItemName.Validate(name, "file name"), Is.EqualTo(name));
    }

    [TestCase(null, "The file name is required.")]
    [TestCase("", "The file name is required.")]
    [TestCase(".", "cannot be '.' or '..'")]
    [TestCase("..", "cannot be '.' or '..'")]
    [TestCase(" leading", "cannot start or end with whitespace")]
    [TestCase("trailing ", "cannot start or end with whitespace")]
    [TestCase("\tleading tab", "cannot start or end with whitespace")]
    [TestCase("../x", "not allowed: '/'")]
    [TestCase("a/b#c?", "not allowed: '#', '/', '?'")]
    [TestCase("a\\b", "not allowed: '\\'")]
    [TestCase("100%", "not allowed: '%'")]
    [TestCase("a\u0001b", "not allowed: U+0001")]
    [TestCase("tab\there", "not allowed: U+0009")]
    [TestCase("line\nbreak", "not allowed: U+000A")]
    [TestCase("del\u007f", "not allowed: U+007F")]
    [TestCase("smile 😀", "not allowed: '😀'")]
    [TestCase("a*b", "not allowed: '*'")]
    [TestCase("a:b", "not allowed: ':'")]
    [TestCase("a<b>", "not allowed: '<', '>'")]
    [TestCase("nbsp\u00a0inside", "not allowed: U+00A0")]
    public void Names_outside_the_rules_are_rejected_with_the_reason(string? name, string reason)
    {
        var error = Assert.Throws<InvalidArgumentException>(() => ItemName.Validate(name, "file name"));

        Assert.That(error!.Message, Does.Contain(reason));
        Assert.That(error, Is.Not.InstanceOf<McpProtocolException>(), "tools turn it into an isError result");
    }

    [Test]
    public void A_name_over_the_maximum_length_is_rejected_with_both_lengths()
    {
        var error = Assert.Throws<InvalidArgumentException>(() => ItemName.Validate(new string('x', ItemName.MaxLength + 1), "preference key"));

        Assert.That(error!.Message, Is.EqualTo("The preference key is 201 characters long; the limit is 200."));
    }

    [Test]
    public void Every_offending_character_is_listed_once()
    {
        var error = Assert.Throws<InvalidArgumentException>(() => ItemName.Validate("a/b/c#d", "file name"));

        Assert.That(error!.Message, Does.Contain("not allowed: '#', '/'."));
    }
}
