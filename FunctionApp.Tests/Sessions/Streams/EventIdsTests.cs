using McpFunctions.Sessions.Streams;

namespace McpFunctions.Tests.Sessions.Streams;

/// <summary>The event-id codec: any instance must find a stream and a position from an id alone.</summary>
public sealed class EventIdsTests
{
    [TestCase("session-1", "stream-1", 1L)]
    [TestCase("a.b.c", "x.y", 42L)]
    [TestCase("ünïcødé/+=", "stream with spaces", long.MaxValue)]
    [TestCase("s", "t", 0L)]
    public void A_post_stream_id_gives_back_its_session_stream_and_sequence(string session, string stream, long sequence)
    {
        var id = EventIds.PostStream(EventIds.Encode(session), EventIds.Encode(stream), sequence);

        Assert.That(EventIds.IsPostStream(id), Is.True);
        Assert.That(EventIds.TryParsePostStream(id, out var parsedSession, out var parsedStream, out var parsedSequence), Is.True);
        Assert.That(parsedSession, Is.EqualTo(session));
        Assert.That(EventIds.Decode(parsedStream), Is.EqualTo(stream));
        Assert.That(parsedSequence, Is.EqualTo(sequence));
        Assert.That(id.Split('.'), Has.Length.EqualTo(4), "encoded parts never contain the separator");
    }

    [TestCase("")]
    [TestCase("p.")]
    [TestCase("p.c2Vzc2lvbg.c3RyZWFt")]
    [TestCase("p.c2Vzc2lvbg.c3RyZWFt.-1")]
    [TestCase("p.c2Vzc2lvbg.c3RyZWFt.x")]
    [TestCase("p.c2Vzc2lvbg..5")]
    [TestCase("p.@@@.c3RyZWFt.5")]
    [TestCase("q.c2Vzc2lvbg.c3RyZWFt.5")]
    [TestCase("p.c2Vzc2lvbg.c3RyZWFt.5.6")]
    public void A_malformed_post_stream_id_is_refused(string id)
    {
        Assert.That(EventIds.TryParsePostStream(id, out _, out _, out _), Is.False);
    }

    [TestCase(0L)]
    [TestCase(1_764_000_000_000_000L)]
    public void A_notification_id_gives_back_its_sequence(long sequence)
    {
        var id = EventIds.Notification(sequence);

        Assert.That(id, Does.StartWith("n."));
        Assert.That(EventIds.IsPostStream(id), Is.False);
        Assert.That(EventIds.TryParseNotification(id, out var parsed) && parsed == sequence, Is.True);
    }

    [TestCase("")]
    [TestCase("n")]
    [TestCase("n.")]
    [TestCase("n.-5")]
    [TestCase("n.abc")]
    [TestCase("x.5")]
    [TestCase("p.c2Vzc2lvbg.c3RyZWFt.5")]
    public void A_malformed_notification_id_is_refused(string id)
    {
        Assert.That(EventIds.TryParseNotification(id, out _), Is.False);
    }
}
