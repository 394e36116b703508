using System.Text;
using Microsoft.AspNetCore.WebUtilities;

namespace McpFunctions.Sessions.Streams;

/// <summary>
/// SSE event ids of the two resumable streams. A POST response stream's events are <c>p.{session}.{stream}.{sequence}</c>
/// (session and stream base64url-encoded), so any instance can find the stream from the id alone; a session's
/// notification stream's events are <c>n.{sequence}</c>.
/// </summary>
internal static class EventIds
{
    public const string PostStreamPrefix = "p.";
    public const string NotificationPrefix = "n.";

    /// <summary>base64url of the UTF-8 bytes: a value safe in an event id and in a Table row key.</summary>
    public static string Encode(string value) => WebEncoders.Base64UrlEncode(Encoding.UTF8.GetBytes(value));

    public static string Decode(string encoded) => Encoding.UTF8.GetString(WebEncoders.Base64UrlDecode(encoded));

    public static string PostStream(string encodedSession, string encodedStream, long sequence) =>
        $"{PostStreamPrefix}{encodedSession}.{encodedStream}.{sequence}";

    public static bool IsPostStream(string? eventId) => eventId?.StartsWith(PostStreamPrefix, StringComparison.Ordinal) == true;

    /// <summary>Reads a POST-stream event id; the stream stays encoded, as it is in row keys.</summary>
    public static bool TryParsePostStream(string eventId, out string sessionId, out string encodedStream, out long sequence)
    {
        sessionId = encodedStream = "";
        sequence = 0;
        var parts = eventId.Split('.');
        if (parts.Length != 4 || parts[0] != "p" || !long.TryParse(parts[3], out sequence) || sequence < 0)
        {
            return false;
        }

        try
        {
            sessionId = Decode(parts[1]);
            encodedStream = parts[2];
            return encodedStream.Length > 0 && Decode(encodedStream).Length > 0;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    public static string Notification(long sequence) => NotificationPrefix + sequence;

    public static bool TryParseNotification(string eventId, out long sequence)
    {
        sequence = 0;
        return eventId.StartsWith(NotificationPrefix, StringComparison.Ordinal)
            && long.TryParse(eventId.AsSpan(NotificationPrefix.Length), out sequence)
            && sequence >= 0;
    }
}
