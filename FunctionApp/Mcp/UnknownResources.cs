namespace McpFunctions.Mcp;

/// <summary><c>resources/read</c> of a URI no resource matches: the protocol's not-found error, naming the URI in its data.</summary>
internal static class UnknownResources
{
    public static ValueTask<ReadResourceResult> ReadAsync(RequestContext<ReadResourceRequestParams> request, CancellationToken cancellationToken) =>
        throw NotFound(request.Params?.Uri ?? "", request.Server, $"Resource not found: '{request.Params?.Uri}'. List the available resources with resources/list.");

    /// <summary>InvalidParams on 2026-07-28 (ResourceNotFound before), with <c>data.uri</c>.</summary>
    public static McpProtocolException NotFound(string uri, McpServer server, string message)
    {
        var error = new McpProtocolException(message, ProtocolRevision.MissingResourceCode(server));
        error.Data["uri"] = uri;
        return error;
    }
}
