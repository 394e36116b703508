using McpFunctions.Tests.Fixtures;

namespace McpFunctions.Tests.Sessions.LegacySse;

/// <summary>An open GET /sse stream, read by hand up to its 'endpoint' event (where the client must POST).</summary>
public sealed class HandMadeSseSession : IAsyncDisposable
{
    private readonly HttpResponseMessage _response;
    private readonly Stream _body;

    private HandMadeSseSession(HttpResponseMessage response, Stream body, string messagePath)
    {
        _response = response;
        _body = body;
        MessagePath = messagePath;
    }

    /// <summary>e.g. /message?sessionId=abc</summary>
    public string MessagePath { get; }

    public static async Task<HandMadeSseSession> OpenAsync(HttpClient http, CancellationToken cancellationToken)
    {
        var response = await http.SendAsync(McpRequests.Get("/sse"), HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        Assert.That((int)response.StatusCode, Is.EqualTo(200));
        var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        using var reader = new StreamReader(body, leaveOpen: true);
        string? eventName = null;
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.StartsWith("event:", StringComparison.Ordinal))
            {
                eventName = line["event:".Length..].Trim();
            }
            else if (eventName == "endpoint" && line.StartsWith("data:", StringComparison.Ordinal))
            {
                return new HandMadeSseSession(response, body, line["data:".Length..].Trim());
            }
        }

        response.Dispose();
        throw new InvalidOperationException("The /sse stream ended before its 'endpoint' event.");
    }

    public async ValueTask DisposeAsync()
    {
        await _body.DisposeAsync();
        _response.Dispose();
    }
}
