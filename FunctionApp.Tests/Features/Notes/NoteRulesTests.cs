using McpFunctions.Features;
using McpFunctions.Features.Notes;
using ModelContextProtocol;

namespace McpFunctions.Tests.Features.Notes;

public sealed class NoteRulesTests
{
    [Test]
    public void Ids_of_later_notes_sort_before_ids_of_earlier_notes()
    {
        var start = new DateTimeOffset(2026, 7, 28, 12, 0, 0, TimeSpan.Zero);
        var steps = new[] { TimeSpan.Zero, TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(1), TimeSpan.FromDays(1), TimeSpan.FromDays(365 * 100) };
        var ids = steps.Select(step => NoteRules.NewId(start + step)).ToList();

        for (var i = 1; i < ids.Count; i++)
        {
            Assert.That(string.CompareOrdinal(ids[i], ids[i - 1]), Is.LessThan(0), $"{ids[i]} (later) sorts before {ids[i - 1]}");
        }
    }

    [Test]
    public void Ids_follow_the_documented_format_and_pass_validation()
    {
        var now = DateTimeOffset.UtcNow;
        var ids = Enumerable.Range(0, 50).Select(_ => NoteRules.NewId(now)).ToList();

        Assert.That(ids, Has.All.Match("^[0-9a-z]{9}-[0-9a-z]{5}$"));
        Assert.That(ids.Select(id => id[..9]).Distinct().Count(), Is.EqualTo(1), "the time part is the same within one millisecond");
        Assert.That(ids, Is.Unique, "the random part keeps ids of the same millisecond apart");
        Assert.That(ids.Select(NoteRules.ValidateId), Is.EqualTo(ids));
    }

    [TestCase("kq3m0z1ab-7x2fd", true)]
    [TestCase("KQ3M0Z1AB-7X2FD", false)]
    [TestCase("kq3m0z1ab7x2fd", false)]
    [TestCase("kq3m0z1ab-7x2f", false)]
    [TestCase("../kq3m0z1ab-7x2fd", false)]
    [TestCase("", false)]
    [TestCase(null, false)]
    public void Note_ids_are_validated_before_reaching_storage(string? id, bool valid)
    {
        if (valid)
        {
            Assert.That(NoteRules.ValidateId(id), Is.EqualTo(id));
        }
        else
        {
            var error = Assert.Throws<InvalidArgumentException>(() => NoteRules.ValidateId(id));
            Assert.That(error!.Message, Does.Contain("is not a note id").And.Contain("notes_list"));
        }
    }

    [Test]
    public void Tags_are_trimmed_lowered_and_deduplicated_in_order()
    {
        Assert.That(NoteRules.ValidateTags([" Work ", "todo", "WORK", "q3_plan-a"]), Is.EqualTo(new[] { "work", "todo", "q3_plan-a" }));
        Assert.That(NoteRules.ValidateTags(null), Is.Empty);
    }

    [Test]
    public void More_than_ten_distinct_tags_are_rejected_but_duplicates_do_not_count()
    {
        var ten = Enumerable.Range(0, 10).Select(i => $"t{i}").ToList();
        Assert.That(NoteRules.ValidateTags([.. ten, "T0", "t1"]), Has.Count.EqualTo(10));

        var error = Assert.Throws<InvalidArgumentException>(() => NoteRules.ValidateTags([.. ten, "t10"]));
        Assert.That(error!.Message, Does.Contain("at most 10 tags; 11 were given"));
    }

    [TestCase("has space")]
    [TestCase("comma,inside")]
    [TestCase("")]
    [TestCase("ümlaut")]
    [TestCase("this-tag-is-thirty-three-chars-xx")]
    public void Malformed_tags_are_rejected(string tag)
    {
        var error = Assert.Throws<InvalidArgumentException>(() => NoteRules.ValidateTags([tag]));

        Assert.That(error!.Message, Does.Contain("is not valid: tags are 1-32 characters of a-z, 0-9, '-' or '_'"));
    }

    [Test]
    public void Titles_are_trimmed_and_must_be_one_line()
    {
        Assert.That(NoteRules.ValidateTitle("  Groceries  "), Is.EqualTo("Groceries"));
        Assert.That(Assert.Throws<InvalidArgumentException>(() => NoteRules.ValidateTitle("two\nlines"))!.Message, Does.Contain("U+000A"));
        Assert.That(Assert.Throws<InvalidArgumentException>(() => NoteRules.ValidateTitle(new string('t', 201)))!.Message, Does.Contain("201 characters long; the limit is 200"));
        Assert.That(Assert.Throws<InvalidArgumentException>(() => NoteRules.ValidateTitle(" "))!.Message, Does.Contain("required"));
    }

    [Test]
    public void Bodies_keep_newlines_and_tabs_but_not_other_control_characters()
    {
        Assert.That(NoteRules.ValidateBody("a\n\tb\r\n"), Is.EqualTo("a\n\tb\r\n"));
        Assert.That(NoteRules.ValidateBody(null), Is.EqualTo(""));
        Assert.That(Assert.Throws<InvalidArgumentException>(() => NoteRules.ValidateBody("bell\u0007"))!.Message, Does.Contain("U+0007"));
        Assert.That(Assert.Throws<InvalidArgumentException>(() => NoteRules.ValidateBody(new string('b', 30_001)))!.Message, Does.Contain("files_write"));
    }
}
