namespace McpFunctions.Tests.Telemetry;

/// <summary>A span as it arrived over OTLP (opentelemetry/proto/trace/v1/trace.proto).</summary>
public sealed record ReceivedSpan(
    string Scope, string Name, string TraceId, string SpanId, string ParentSpanId, int Kind,
    IReadOnlyDictionary<string, string> Attributes, int StatusCode, string StatusMessage, IReadOnlyList<string> LinkedSpanIds)
{
    public const int ServerKind = 2;
    public const int ErrorStatus = 2;

    public string? this[string attribute] => Attributes.GetValueOrDefault(attribute);

    /// <summary>ExportTraceServiceRequest → ResourceSpans (1) → ScopeSpans (2) → InstrumentationScope (1), Span (2).</summary>
    public static IEnumerable<ReceivedSpan> Decode(ReadOnlyMemory<byte> request) =>
        from resourceSpans in ProtobufFields.Messages(request, 1)
        from scopeSpans in ProtobufFields.Messages(resourceSpans, 2)
        let scope = ProtobufFields.Messages(scopeSpans, 1).Select(s => ProtobufFields.Read(s).FirstOrDefault(f => f.Number == 1).Text).FirstOrDefault() ?? ""
        from span in ProtobufFields.Messages(scopeSpans, 2)
        select FromSpan(scope, span);

    private static ReceivedSpan FromSpan(string scope, ReadOnlyMemory<byte> span)
    {
        var fields = ProtobufFields.Read(span).ToList();
        var status = fields.Where(f => f.Number == 15).Select(f => ProtobufFields.Read(f.Bytes).ToList()).FirstOrDefault() ?? [];
        return new ReceivedSpan(
            scope,
            fields.First(f => f.Number == 5).Text,
            fields.First(f => f.Number == 1).Hex,
            fields.First(f => f.Number == 2).Hex,
            fields.FirstOrDefault(f => f.Number == 4).Hex ?? "",
            (int)fields.FirstOrDefault(f => f.Number == 6).Value,
            ProtobufFields.Attributes(span, 9),
            (int)status.FirstOrDefault(f => f.Number == 3).Value,
            status.FirstOrDefault(f => f.Number == 2).Text ?? "",
            ProtobufFields.Messages(span, 13).Select(link => ProtobufFields.Read(link).First(f => f.Number == 2).Hex).ToList());
    }
}
