using OpenTelemetry;
using OpenTelemetry.Logs;

namespace McpFunctions.Telemetry;

/// <summary>
/// Exports a logged exception as its type and stack trace only: an exception's message can quote a request (a storage
/// error, a tool's argument), and exported logs leave the app.
/// </summary>
/// <remarks>The console logger, which stays on the instance, still shows the whole exception.</remarks>
internal sealed class LogRedaction : BaseProcessor<LogRecord>
{
    public override void OnEnd(LogRecord record)
    {
        if (record.Exception is not { } exception)
        {
            return;
        }

        List<KeyValuePair<string, object?>> attributes = [.. record.Attributes ?? []];
        attributes.Add(new("exception.type", exception.GetType().FullName));
        if (exception.StackTrace is { } stackTrace)
        {
            attributes.Add(new("exception.stacktrace", stackTrace));
        }

        record.Attributes = attributes;
        record.Exception = null;
    }
}
