using System.Security.Claims;
using McpFunctions.Sessions.Streams;

namespace McpFunctions.Sessions.LegacySse;

/// <summary>An open /sse stream: the SDK transport that writes to it, and the user who opened it.</summary>
internal sealed class LegacySseStream(SseResponseStreamTransport transport, ClaimsPrincipal owner, string ownerId, CancellationTokenSource lifetime) : ISessionStream
{
    public string OwnerId => ownerId;

    public Task SendAsync(JsonRpcMessage message, CancellationToken cancellationToken) => transport.SendMessageAsync(message, cancellationToken);

    /// <summary>Hands a client message to the session, as the stream's owner.</summary>
    public Task ReceiveAsync(JsonRpcMessage message, CancellationToken cancellationToken)
    {
        message.Context ??= new JsonRpcMessageContext();
        message.Context.User = owner;
        return transport.OnMessageReceivedAsync(message, cancellationToken);
    }

    public void Close()
    {
        try
        {
            lifetime.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }
}
