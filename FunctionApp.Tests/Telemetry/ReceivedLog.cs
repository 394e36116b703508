namespace McpFunctions.Tests.Telemetry;

/// <summary>A log record as it arrived over OTLP (opentelemetry/proto/logs/v1/logs.proto).</summary>
public sealed record ReceivedLog(string Body, string TraceId, string SpanId, IReadOnlyDictionary<string, string> Attributes)
{
    /// <summary>ExportLogsServiceRequest → ResourceLogs (1) → ScopeLogs (2) → LogRecord (2): body 5, attributes 6, trace id 9, span id 10.</summary>
    public static IEnumerable<ReceivedLog> Decode(ReadOnlyMemory<byte> request) =>
        from resourceLogs in ProtobufFields.Messages(request, 1)
        from scopeLogs in ProtobufFields.Messages(resourceLogs, 2)
        from record in ProtobufFields.Messages(scopeLogs, 2)
        let fields = ProtobufFields.Read(record).ToList()
        select new ReceivedLog(
            ProtobufFields.AnyValue(fields.FirstOrDefault(f => f.Number == 5).Bytes),
            fields.FirstOrDefault(f => f.Number == 9).Hex ?? "",
            fields.FirstOrDefault(f => f.Number == 10).Hex ?? "",
            ProtobufFields.Attributes(record, 6));
}
