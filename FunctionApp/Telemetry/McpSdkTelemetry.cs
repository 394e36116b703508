namespace McpFunctions.Telemetry;

/// <summary>
/// The MCP SDK's own instrumentation (2.4.0): one <c>ActivitySource</c> and one <c>Meter</c>, both named
/// <c>Experimental.ModelContextProtocol</c>, following the OpenTelemetry MCP semantic conventions.
/// </summary>
/// <remarks>
/// Per JSON-RPC message the SDK starts a span named "{mcp.method.name} {target}" (e.g. "tools/call notes_create"),
/// a child of the HTTP request's span, with <c>mcp.method.name</c>, <c>gen_ai.tool.name</c>,
/// <c>jsonrpc.request.id</c>, <c>mcp.protocol.version</c>, <c>network.transport</c> and, on failure,
/// <c>error.type</c> (<c>tool_error</c> for an <c>isError</c> result, else the JSON-RPC error code). It records
/// <c>mcp.server.operation.duration</c> (seconds, same attributes) and <c>mcp.server.session.duration</c>.
/// What it lacks is filled in here: its <c>mcp.session.id</c> is a random id of its own, not the transport's
/// session id (<see cref="McpSessionTag"/>), and it puts user content in two places (<see cref="SpanRedaction"/>).
/// </remarks>
internal static class McpSdkTelemetry
{
    public const string Name = "Experimental.ModelContextProtocol";

    public const string ServerOperationDuration = "mcp.server.operation.duration";

    public const string ClientOperationDuration = "mcp.client.operation.duration";

    /// <summary>
    /// The attributes the operation histograms keep: the SDK also tags them with <c>mcp.resource.uri</c>, which names a
    /// user's file and would make one time series per file.
    /// </summary>
    public static readonly string[] OperationMetricTags =
    [
        "mcp.method.name", "gen_ai.tool.name", "gen_ai.prompt.name", "gen_ai.operation.name", "error.type",
        "rpc.response.status_code", "mcp.protocol.version", "network.transport", "network.protocol.name",
    ];
}
