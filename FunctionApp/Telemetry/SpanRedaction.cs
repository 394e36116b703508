using System.Diagnostics;
using OpenTelemetry;

namespace McpFunctions.Telemetry;

/// <summary>
/// Removes what may carry tokens, codes or user content from a finished span, before any exporter sees it.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>Query strings: the legacy SSE transport puts the session id in one, the OAuth endpoints the code and state.
/// ASP.NET Core's instrumentation records <c>url.query</c> (values redacted, names kept); it is dropped.</item>
/// <item>Outgoing URLs (<c>url.full</c>, <c>http.url</c>): Table Storage puts partition and row keys in the path,
/// Blob Storage the file name, and both are user content. Scheme and host stay; <c>server.address</c> and the Azure
/// SDK's span names (<c>TableClient.GetEntity</c>) still say what was called.</item>
/// <item>Status descriptions: the MCP SDK writes an <c>isError</c> tool result's text there, and exception messages
/// land there too; the status and <c>error.type</c> say that it failed, the logs say why.</item>
/// <item><c>mcp.resource.uri</c>: the name of a user's file.</item>
/// </list>
/// </remarks>
internal sealed class SpanRedaction : BaseProcessor<Activity>
{
    private static readonly string[] DroppedTags = ["url.query", "mcp.resource.uri"];

    private static readonly string[] UrlTags = ["url.full", "http.url"];

    public override void OnEnd(Activity activity)
    {
        foreach (var tag in DroppedTags)
        {
            if (activity.GetTagItem(tag) is not null)
            {
                activity.SetTag(tag, null);
            }
        }

        foreach (var tag in UrlTags)
        {
            if (activity.GetTagItem(tag) is string url && Uri.TryCreate(url, UriKind.Absolute, out var uri))
            {
                activity.SetTag(tag, uri.GetLeftPart(UriPartial.Authority) + "/");
            }
        }

        if (activity.StatusDescription is not null)
        {
            activity.SetStatus(activity.Status);
        }
    }
}
