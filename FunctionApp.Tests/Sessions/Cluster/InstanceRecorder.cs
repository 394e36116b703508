using System.Collections.Concurrent;
using McpFunctions.Tests.Fixtures;

namespace McpFunctions.Tests.Sessions.Cluster;

/// <summary>Records which instance answered each request (the X-McpFunctions-Instance response header).</summary>
public sealed class InstanceRecorder() : DelegatingHandler(new SocketsHttpHandler())
{
    public ConcurrentQueue<string> Seen { get; } = new();

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        if (response.Headers.TryGetValues(RawSession.InstanceHeader, out var values))
        {
            Seen.Enqueue(values.Single());
        }

        return response;
    }
}
