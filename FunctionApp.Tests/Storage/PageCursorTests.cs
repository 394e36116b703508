using McpFunctions.Features;
using McpFunctions.Storage;

namespace McpFunctions.Tests.Storage;

/// <summary>Paging cursors: storage continuation tokens wrapped for clients, and refused when they are not ours.</summary>
public sealed class PageCursorTests
{
    [TestCase("1!4!bm90ZQ--")]
    [TestCase("token with spaces / slashes + plus ü")]
    [TestCase("")]
    public void A_wrapped_token_unwraps_to_itself(string token)
    {
        var cursor = PageCursor.Wrap(token);

        Assert.That(cursor, Does.StartWith("c1."));
        Assert.That(PageCursor.TryUnwrap(cursor, out var unwrapped), Is.True);
        Assert.That(unwrapped, Is.EqualTo(token));
    }

    [Test]
    public void No_token_means_no_cursor_and_no_cursor_means_the_first_page()
    {
        Assert.That(PageCursor.Wrap(null), Is.Null);
        Assert.That(PageCursor.TryUnwrap(null, out var fromNull) && fromNull is null, Is.True);
        Assert.That(PageCursor.TryUnwrap("", out var fromEmpty) && fromEmpty is null, Is.True);
    }

    [TestCase("abc")]
    [TestCase("c2.YWJj")]
    [TestCase("c1.!!!")]
    [TestCase("c1.a")]
    public void A_cursor_that_is_not_ours_is_refused(string cursor)
    {
        Assert.That(PageCursor.TryUnwrap(cursor, out _), Is.False);
    }

    [Test]
    public void An_overlong_cursor_is_refused()
    {
        Assert.That(PageCursor.TryUnwrap("c1." + new string('A', 3000), out _), Is.False);
    }

    [Test]
    public void A_list_tool_names_itself_when_its_cursor_is_refused()
    {
        var error = Assert.Throws<InvalidArgumentException>(() => ListCursor.Unwrap("nonsense", "notes_list"));

        Assert.That(error!.Message, Does.Contain("previous notes_list result"));
        Assert.That(ListCursor.Unwrap(PageCursor.Wrap("t"), "notes_list"), Is.EqualTo("t"));
    }
}
