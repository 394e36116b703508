using System.Diagnostics;

namespace McpFunctions.Telemetry;

/// <summary>
/// Sets <c>mcp.session.id</c> on the SDK's span to the session id the client sees (<c>Mcp-Session-Id</c>, or the
/// legacy SSE <c>sessionId</c>); the SDK sets a random id of its own, which matches nothing a client or a log shows.
/// A request served without a session (2026-07-28) gets no session id.
/// </summary>
/// <remarks>
/// Registered only when telemetry is on. A message filter runs inside the SDK's span: the server span of an incoming
/// message, or the client span of a request the server sends.
/// </remarks>
internal static class McpSessionTag
{
    public static McpMessageHandler Filter(McpMessageHandler next) => (context, cancellationToken) =>
    {
        if (Activity.Current is { IsAllDataRequested: true } span && span.Source.Name == McpSdkTelemetry.Name)
        {
            span.SetTag("mcp.session.id", context.Server.SessionId);
        }

        return next(context, cancellationToken);
    };
}
