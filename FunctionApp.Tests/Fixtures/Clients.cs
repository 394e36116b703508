using Microsoft.Extensions.Logging.Abstractions;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace McpFunctions.Tests.Fixtures;

/// <summary>The three ways a client reaches the server, for tests that must behave the same over each.</summary>
public enum ClientTransport
{
    /// <summary>Streamable HTTP at /mcp, 2025-11-25: the server keeps a session.</summary>
    Session,

    /// <summary>Streamable HTTP at /mcp, 2026-07-28: served per request, no session.</summary>
    Stateless,

    /// <summary>The 2024-11-05 HTTP+SSE transport at /sse.</summary>
    LegacySse,
}

/// <summary>Real SDK clients connected to a test server: the one client helper of the test run.</summary>
public static class Clients
{
    public const string SessionRevision = "2025-11-25";
    public const string StatelessRevision = "2026-07-28";

    /// <summary>A 2025-11-25 client over Streamable HTTP at /mcp (gets a session).</summary>
    public static Task<McpClient> StreamableAsync(LoopbackServer server, McpClientOptions? options = null, CancellationToken cancellationToken = default, string? localDeveloper = null) =>
        ConnectAsync(server.Url("/mcp"), HttpTransportMode.StreamableHttp, WithRevision(options, SessionRevision), cancellationToken, localDeveloper);

    /// <summary>A 2026-07-28 client over Streamable HTTP at /mcp (served statelessly).</summary>
    public static Task<McpClient> StatelessAsync(LoopbackServer server, McpClientOptions? options = null, CancellationToken cancellationToken = default, string? localDeveloper = null) =>
        ConnectAsync(server.Url("/mcp"), HttpTransportMode.StreamableHttp, WithRevision(options, StatelessRevision), cancellationToken, localDeveloper);

    /// <summary>A client over the legacy HTTP+SSE transport at /sse.</summary>
    public static Task<McpClient> LegacySseAsync(LoopbackServer server, McpClientOptions? options = null, CancellationToken cancellationToken = default, string? localDeveloper = null) =>
        ConnectAsync(server.Url("/sse"), HttpTransportMode.Sse, options ?? new McpClientOptions(), cancellationToken, localDeveloper);

    /// <summary>Connects a client to the run's shared server over <paramref name="transport"/>.</summary>
    public static Task<McpClient> ConnectAsync(this ClientTransport transport, McpClientOptions? options = null, CancellationToken cancellationToken = default, string? localDeveloper = null) =>
        transport switch
        {
            ClientTransport.Session => StreamableAsync(TestRun.Server, options, cancellationToken, localDeveloper),
            ClientTransport.Stateless => StatelessAsync(TestRun.Server, options, cancellationToken, localDeveloper),
            ClientTransport.LegacySse => LegacySseAsync(TestRun.Server, options, cancellationToken, localDeveloper),
            _ => throw new ArgumentOutOfRangeException(nameof(transport), transport, null),
        };

    /// <summary>Connects; <paramref name="localDeveloper"/> picks one of the Development sign-in's local identities.</summary>
    public static async Task<McpClient> ConnectAsync(Uri endpoint, HttpTransportMode mode, McpClientOptions options, CancellationToken cancellationToken = default, string? localDeveloper = null)
    {
        var transport = new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = endpoint,
            TransportMode = mode,
            AdditionalHeaders = localDeveloper is null ? null : new Dictionary<string, string> { ["X-Local-Developer"] = localDeveloper },
        }, NullLoggerFactory.Instance);
        options.ClientInfo ??= new Implementation { Name = "McpFunctions.Tests", Version = "1.0.0" };
        return await McpClient.CreateAsync(transport, options, NullLoggerFactory.Instance, cancellationToken);
    }

    private static McpClientOptions WithRevision(McpClientOptions? options, string revision)
    {
        options ??= new McpClientOptions();
        options.ProtocolVersion ??= revision;
        return options;
    }
}
