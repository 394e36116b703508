using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json.Serialization;
using McpFunctions.Auth.Stores;
using McpFunctions.Storage;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace McpFunctions.Auth.Clients;

/// <summary>
/// Client ID Metadata Documents: a <c>client_id</c> that is an https URL names a JSON document describing the client.
/// It is fetched under SSRF guards, checked like a registration, and kept as an <see cref="OAuthClient"/> row for as
/// long as its cache headers allow (at most 24 hours), so OpenIddict sees it as any other client.
/// </summary>
/// <remarks>
/// Written here because OpenIddict has no client metadata documents. The guards: https only; every address the host
/// resolves to must be public (no loopback, private, link-local, unique-local, CGNAT or multicast), checked in the
/// connect callback so a DNS answer cannot change between the check and the connection; no redirects; at most
/// <see cref="MaxBytes"/> bytes and <see cref="Timeout"/>.
/// </remarks>
internal sealed class ClientMetadataDocuments(
    IHttpClientFactory http, StorageTables tables, TimeProvider time, ILogger<ClientMetadataDocuments> logger)
{
    public const string HttpClientName = "client-metadata-documents";
    public const int MaxBytes = 5 * 1024;
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan MaxCacheLifetime = TimeSpan.FromHours(24);
    public static readonly TimeSpan DefaultCacheLifetime = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How long an instance keeps a document in memory even when it may not be cached (<c>no-store</c>): one
    /// authorization looks the client up several times, and each lookup must not be a fetch.
    /// </summary>
    public static readonly TimeSpan MinimumMemoryLifetime = TimeSpan.FromSeconds(60);

    private const int MaxRemembered = 1_000;

    private readonly ConcurrentDictionary<string, (OAuthClient Client, DateTimeOffset Until)> _recent = new(StringComparer.Ordinal);

    /// <summary>The client a metadata document URL describes, or null (with the reason logged) when it cannot be used.</summary>
    public async ValueTask<OAuthClient?> ResolveAsync(string clientId, Uri url, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (_recent.TryGetValue(clientId, out var cached) && cached.Until > now)
        {
            return cached.Client;
        }

        var table = await tables.GetAsync(StorageNames.OAuthClients, cancellationToken);
        var stored = await OAuthRows.FindAsync<OAuthClient>(table, StorageKey.Encode(clientId), "", cancellationToken);
        if (stored is { Source: OAuthClient.MetadataDocumentSource } && stored.ExpiresAt > now)
        {
            return Remember(clientId, stored, now);
        }

        var fetched = await FetchAsync(clientId, url, cancellationToken);
        if (fetched.Problem is { } problem)
        {
            logger.LogInformation("The client metadata document {ClientId} cannot be used: {Problem}", clientId, problem);
            return null;
        }

        var client = fetched.Client!;
        client.PartitionKey = StorageKey.Encode(clientId);
        await table.UpsertEntityAsync(client, Azure.Data.Tables.TableUpdateMode.Replace, cancellationToken);
        return Remember(clientId, client, now);
    }

    private OAuthClient Remember(string clientId, OAuthClient client, DateTimeOffset now)
    {
        if (_recent.Count >= MaxRemembered)
        {
            foreach (var (id, entry) in _recent)
            {
                if (entry.Until <= now)
                {
                    _recent.TryRemove(id, out _);
                }
            }
        }

        var until = client.ExpiresAt is { } expires && expires > now + MinimumMemoryLifetime ? expires : now + MinimumMemoryLifetime;
        if (_recent.Count < MaxRemembered)
        {
            _recent[clientId] = (client, until);
        }

        return client;
    }

    /// <summary>Fetches and checks the document; the problem, in words, when it cannot be used.</summary>
    public async Task<(OAuthClient? Client, string? Problem)> FetchAsync(string clientId, Uri url, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            using var response = await http.CreateClient(HttpClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            if ((int)response.StatusCode is >= 300 and < 400)
            {
                return (null, "the document URL redirects, and redirects are not followed");
            }

            if (!response.IsSuccessStatusCode)
            {
                return (null, $"fetching it answered {(int)response.StatusCode}");
            }

            if (response.Content.Headers.ContentLength > MaxBytes)
            {
                return (null, $"it is larger than {MaxBytes} bytes");
            }

            var body = new byte[MaxBytes + 1];
            var length = 0;
            await using (var stream = await response.Content.ReadAsStreamAsync(timeout.Token))
            {
                int read;
                while (length <= MaxBytes && (read = await stream.ReadAsync(body.AsMemory(length), timeout.Token)) > 0)
                {
                    length += read;
                }
            }

            if (length > MaxBytes)
            {
                return (null, $"it is larger than {MaxBytes} bytes");
            }

            var document = JsonSerializer.Deserialize(body.AsSpan(0, length), ClientMetadataJson.Default.ClientMetadataDocument);
            return Check(clientId, document, CacheLifetime(response.Headers.CacheControl));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (null, $"it did not arrive within {Timeout.TotalSeconds:0} s");
        }
        catch (HttpRequestException e)
        {
            return (null, e.InnerException is RefusedAddressException refused ? refused.Message : "it could not be fetched");
        }
        catch (JsonException)
        {
            return (null, "it is not a JSON client metadata document");
        }
    }

    private (OAuthClient?, string?) Check(string clientId, ClientMetadataDocument? document, TimeSpan lifetime)
    {
        if (document is null)
        {
            return (null, "it is not a JSON object");
        }

        if (!string.Equals(document.ClientId, clientId, StringComparison.Ordinal))
        {
            return (null, "its client_id is not exactly its own URL");
        }

        if (document.TokenEndpointAuthMethod is not (null or ClientAuthenticationMethods.None))
        {
            return (null, "it names a token_endpoint_auth_method other than none, which this server does not offer for metadata documents");
        }

        var registration = new ClientRegistration
        {
            RedirectUris = document.RedirectUris,
            GrantTypes = document.GrantTypes,
            ResponseTypes = document.ResponseTypes,
            ClientName = document.ClientName,
            ApplicationType = document.ApplicationType,
            Scope = document.Scope,
        };
        if (RegistrationEndpoint.Problem(registration) is { } problem)
        {
            return (null, problem.Description);
        }

        var client = new OAuthClient
        {
            ClientId = clientId,
            ClientType = ClientTypes.Public,
            ApplicationType = document.ApplicationType ?? ApplicationTypes.Web,
            ConsentType = ConsentTypes.Explicit,
            DisplayName = string.IsNullOrWhiteSpace(document.ClientName) ? new Uri(clientId).Host : document.ClientName.Trim(),
            RedirectUris = OAuthRows.WriteList([.. document.RedirectUris!]),
            Requirements = OAuthRows.WriteList([Requirements.Features.ProofKeyForCodeExchange]),
            Source = OAuthClient.MetadataDocumentSource,
            ExpiresAt = time.GetUtcNow() + lifetime,
        };
        return (client, null);
    }

    /// <summary>As long as the document's Cache-Control allows, at most <see cref="MaxCacheLifetime"/>.</summary>
    private static TimeSpan CacheLifetime(CacheControlHeaderValue? cacheControl) =>
        cacheControl switch
        {
            { NoStore: true } or { NoCache: true } => TimeSpan.Zero,
            { MaxAge: { } maxAge } => maxAge < MaxCacheLifetime ? maxAge : MaxCacheLifetime,
            _ => DefaultCacheLifetime,
        };

    /// <summary>The handler for document fetches: no redirects, no cookies, and only public addresses.</summary>
    public static SocketsHttpHandler CreateHandler(IOptionsMonitor<ClientMetadataDocumentOptions> options) => new()
    {
        AllowAutoRedirect = false,
        UseCookies = false,
        UseProxy = false,
        ConnectTimeout = Timeout,
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        ConnectCallback = async (context, cancellationToken) =>
        {
            var allowLoopback = options.CurrentValue.AllowLoopback;
            var addresses = IPAddress.TryParse(context.DnsEndPoint.Host.Trim('[', ']'), out var literal)
                ? [literal]
                : await Dns.GetHostAddressesAsync(context.DnsEndPoint.Host, cancellationToken);
            // Every address must be allowed, not just the first: the socket may try any of them.
            if (addresses.Length == 0 || !addresses.All(a => PublicAddresses.IsPublic(a) || (allowLoopback && IPAddress.IsLoopback(a))))
            {
                throw new RefusedAddressException(context.DnsEndPoint.Host);
            }

            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(addresses, context.DnsEndPoint.Port, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
        SslOptions = new System.Net.Security.SslClientAuthenticationOptions
        {
            // Only the loopback stand-in of tests (AllowLoopback, Development only) may use a self-signed certificate.
            RemoteCertificateValidationCallback = (sender, certificate, chain, errors) =>
                errors == System.Net.Security.SslPolicyErrors.None || options.CurrentValue.AllowLoopback,
        },
    };

    /// <summary>The host resolved to an address this server must not reach.</summary>
    private sealed class RefusedAddressException(string host)
        : Exception($"'{host}' resolves to a private, loopback or link-local address, which this server does not fetch");
}

/// <summary>Settings of client metadata document fetching (section <c>Auth:ClientMetadataDocuments</c>).</summary>
internal sealed record ClientMetadataDocumentOptions
{
    public const string SectionName = "Auth:ClientMetadataDocuments";

    /// <summary>Development only (tests): lets a loopback stand-in serve documents, with a self-signed certificate.</summary>
    public bool AllowLoopback { get; init; }
}

/// <summary>The document's fields this server reads; it shares the registration rules (RFC 7591 names).</summary>
internal sealed record ClientMetadataDocument
{
    [JsonPropertyName("client_id")] public string? ClientId { get; init; }
    [JsonPropertyName("client_name")] public string? ClientName { get; init; }
    [JsonPropertyName("redirect_uris")] public string[]? RedirectUris { get; init; }
    [JsonPropertyName("token_endpoint_auth_method")] public string? TokenEndpointAuthMethod { get; init; }
    [JsonPropertyName("grant_types")] public string[]? GrantTypes { get; init; }
    [JsonPropertyName("response_types")] public string[]? ResponseTypes { get; init; }
    [JsonPropertyName("application_type")] public string? ApplicationType { get; init; }
    [JsonPropertyName("scope")] public string? Scope { get; init; }
}

[JsonSerializable(typeof(ClientMetadataDocument))]
internal sealed partial class ClientMetadataJson : JsonSerializerContext;
