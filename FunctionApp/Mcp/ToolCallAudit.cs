using System.Diagnostics;
using McpFunctions.Audit;
using McpFunctions.Auth;

namespace McpFunctions.Mcp;

/// <summary>
/// Records every tool call in the audit trail: who, through which client, which tool, the outcome and how long it
/// took. Never the arguments or the result. The row is queued, not written, so the call does not wait for storage.
/// </summary>
/// <remarks>
/// The outermost tool filter, so its duration and outcome cover the argument check and the domain-error mapping.
/// The tool's name is taken from the tool the SDK matched, never from the request, so a made-up name (which a client
/// could fill with anything) is recorded as <see cref="UnknownTool"/>.
/// </remarks>
internal static class ToolCallAudit
{
    public const string UnknownTool = "(unknown tool)";

    /// <summary>The client id claim OpenIddict puts in our access tokens.</summary>
    private const string ClientIdClaim = "client_id";

    public static McpRequestHandler<CallToolRequestParams, CallToolResult> Filter(McpRequestHandler<CallToolRequestParams, CallToolResult> next) =>
        (request, cancellationToken) =>
        {
            if (request.Services?.GetService<AuditTrail>() is not { Enabled: true } audit)
            {
                return next(request, cancellationToken);
            }

            var started = Stopwatch.GetTimestamp();
            ValueTask<CallToolResult> call;
            try
            {
                call = next(request, cancellationToken);
            }
            catch
            {
                Record(audit, request, AuditOutcomes.Failed, started);
                throw;
            }

            if (call.IsCompletedSuccessfully)
            {
                Record(audit, request, call.Result.IsError == true ? AuditOutcomes.ToolError : AuditOutcomes.Ok, started);
                return call;
            }

            return AwaitAsync(audit, call, request, started);
        };

    private static async ValueTask<CallToolResult> AwaitAsync(AuditTrail audit, ValueTask<CallToolResult> call, RequestContext<CallToolRequestParams> request, long started)
    {
        try
        {
            var result = await call;
            Record(audit, request, result.IsError == true ? AuditOutcomes.ToolError : AuditOutcomes.Ok, started);
            return result;
        }
        catch
        {
            Record(audit, request, AuditOutcomes.Failed, started);
            throw;
        }
    }

    private static void Record(AuditTrail audit, RequestContext<CallToolRequestParams> request, string outcome, long started)
    {
        if (Caller.TryIdOf(request.User) is not { } id)
        {
            return;
        }

        audit.RecordFor(id, new AuditEvent(AuditKinds.ToolCall, (request.MatchedPrimitive as McpServerTool)?.ProtocolTool.Name ?? UnknownTool, outcome)
        {
            ClientId = request.User?.FindFirst(ClientIdClaim)?.Value,
            ClientName = request.Server.ClientInfo?.Name,
            DurationMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds,
        });
    }
}
