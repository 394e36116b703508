using System.ComponentModel;
using McpFunctions.Sessions.State;

#pragma warning disable MCP9005 // logging is what test_logging_tool probes

namespace McpFunctions.Conformance;

/// <summary>Fixtures for the suite's 2026-07-28 stateless checks: capability enforcement, stream discipline, log gating.</summary>
internal sealed class ConformanceStatelessTools(ClientLog clientLog)
{
    [McpServerTool(Name = "test_missing_capability"), Description("Needs the client's sampling capability; refuses with -32021 when the request does not declare it.")]
    public static string MissingCapability(McpServer server)
    {
        if (server.ClientCapabilities?.Sampling is null)
        {
            throw new MissingRequiredClientCapabilityException(
                new ClientCapabilities { Sampling = new SamplingCapability() },
                "This tool needs the client's sampling capability, which the request does not declare.");
        }

        return "The client declared sampling.";
    }

    [McpServerTool(Name = "test_streaming_elicitation"), Description("Asks for the user's name through an input-required result (never a request on the response stream), then greets them.")]
    public static string StreamingElicitation(RequestContext<CallToolRequestParams> request)
    {
        if (request.Params?.InputResponses?.TryGetValue("user_name", out var answer) == true
            && answer.Deserialize(InputResponse.ElicitResultJsonTypeInfo) is { IsAccepted: true, Content: { } content }
            && content.TryGetValue("name", out var name))
        {
            return $"Hello, {name}!";
        }

        throw new InputRequiredException(
            new Dictionary<string, InputRequest> { ["user_name"] = InputRequest.ForElicitation(ConformanceInputRequiredTools.NameQuestion("What is your name?")) },
            requestState: null);
    }

    [McpServerTool(Name = "test_custom_header"), Description("Echoes a region that clients also send as the Mcp-Param-Region header.")]
    public static string CustomHeader([McpHeader("Region"), Description("A region name; mirrored in the Mcp-Param-Region header.")] string region) =>
        $"Region: {region}";

    [McpServerTool(Name = "test_logging_tool"), Description("Tries to log at info level; the message is sent only when the request asked for logs.")]
    public async Task<string> LoggingTool(RequestContext<CallToolRequestParams> request, CancellationToken cancellationToken)
    {
        var sent = await clientLog.SendAsync(request, LoggingLevel.Info, "conformance", "Logging tool ran", cancellationToken);
        return sent ? "Logged one message." : "No log level was requested, so nothing was logged.";
    }
}
