using ModelContextProtocol.Client;

namespace McpFunctions.Tests.Fixtures;

/// <summary>Connects a real SDK client to the run's server over a chosen <see cref="ClientTransport"/>.</summary>
public static class TransportClients
{
    public static Task<McpClient> ConnectAsync(this ClientTransport transport, McpClientOptions? options = null, CancellationToken cancellationToken = default, string? localDeveloper = null) =>
        transport switch
        {
            ClientTransport.Session => Clients.StreamableAsync(TestRun.Server, options, cancellationToken, localDeveloper),
            ClientTransport.Stateless => Clients.StatelessAsync(TestRun.Server, options, cancellationToken, localDeveloper),
            ClientTransport.LegacySse => Clients.LegacySseAsync(TestRun.Server, options, cancellationToken, localDeveloper),
            _ => throw new ArgumentOutOfRangeException(nameof(transport), transport, null),
        };
}
