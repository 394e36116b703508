namespace McpFunctions.Tests.Telemetry;

/// <summary>One data point of a metric as it arrived over OTLP (opentelemetry/proto/metrics/v1/metrics.proto).</summary>
public sealed record ReceivedMetricPoint(string Metric, IReadOnlyDictionary<string, string> Attributes)
{
    public string? this[string attribute] => Attributes.GetValueOrDefault(attribute);

    /// <summary>
    /// ExportMetricsServiceRequest → ResourceMetrics (1) → ScopeMetrics (2) → Metric (2): name (1), and one of gauge
    /// (5), sum (7), histogram (9), exponential histogram (10), each with data points (1) whose attributes are field 7
    /// (number points) or 9 (histogram points).
    /// </summary>
    public static IEnumerable<ReceivedMetricPoint> Decode(ReadOnlyMemory<byte> request) =>
        from resourceMetrics in ProtobufFields.Messages(request, 1)
        from scopeMetrics in ProtobufFields.Messages(resourceMetrics, 2)
        from metric in ProtobufFields.Messages(scopeMetrics, 2)
        let fields = ProtobufFields.Read(metric).ToList()
        let name = fields.First(f => f.Number == 1).Text
        from data in fields.Where(f => f.Number is 5 or 7 or 9 or 10)
        from point in ProtobufFields.Messages(data.Bytes, 1)
        select new ReceivedMetricPoint(name, ProtobufFields.Attributes(point, data.Number is 9 or 10 ? 9 : 7));
}
