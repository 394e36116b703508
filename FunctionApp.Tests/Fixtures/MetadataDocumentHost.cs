using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace McpFunctions.Tests.Fixtures;

/// <summary>
/// An https server on a loopback port (self-signed certificate) that stands in for the sites hosting client
/// metadata documents (claude.ai, vscode.dev, a client's own site). Each path answers what a test put there, and
/// counts how often it was fetched.
/// </summary>
public sealed class MetadataDocumentHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, Document> _documents = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _fetches = new(StringComparer.Ordinal);

    private MetadataDocumentHost(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
    }

    /// <summary>https://127.0.0.1:{port}/</summary>
    public Uri BaseAddress { get; }

    /// <summary>The URL of a path, which is also the client id of the document served there.</summary>
    public string Url(string path) => new Uri(BaseAddress, path).ToString();

    public int Fetches(string path) => _fetches.GetValueOrDefault("/" + path.TrimStart('/'));

    /// <summary>What one path answers.</summary>
    public sealed record Document(string Body, int Status = 200, string? CacheControl = null, TimeSpan Delay = default, string? Location = null, bool Chunked = false);

    public void Serve(string path, Document document) => _documents["/" + path.TrimStart('/')] = document;

    /// <summary>A well-formed document for <paramref name="path"/>: its client_id is its own URL.</summary>
    public string Serve(string path, string clientName, string[] redirectUris, string? cacheControl = null, string? applicationType = null)
    {
        var clientId = Url(path);
        Serve(path, new Document(System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["client_id"] = clientId,
            ["client_name"] = clientName,
            ["redirect_uris"] = redirectUris,
            ["grant_types"] = new[] { "authorization_code", "refresh_token" },
            ["response_types"] = new[] { "code" },
            ["token_endpoint_auth_method"] = "none",
            ["application_type"] = applicationType,
        }), CacheControl: cacheControl));
        return clientId;
    }

    public static async Task<MetadataDocumentHost> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        var certificate = SelfSigned();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(certificate)));
        var app = builder.Build();
        MetadataDocumentHost? host = null;
        app.Run(async context =>
        {
            var path = context.Request.Path.Value ?? "/";
            host!._fetches.AddOrUpdate(path, 1, (_, n) => n + 1);
            if (!host._documents.TryGetValue(path, out var document))
            {
                context.Response.StatusCode = 404;
                return;
            }

            if (document.Delay > TimeSpan.Zero)
            {
                await Task.Delay(document.Delay, context.RequestAborted);
            }

            context.Response.StatusCode = document.Status;
            context.Response.ContentType = "application/json";
            if (document.CacheControl is not null)
            {
                context.Response.Headers.CacheControl = document.CacheControl;
            }

            if (document.Location is not null)
            {
                context.Response.Headers.Location = document.Location;
            }

            if (!document.Chunked)
            {
                context.Response.ContentLength = System.Text.Encoding.UTF8.GetByteCount(document.Body);
            }

            await context.Response.WriteAsync(document.Body, context.RequestAborted);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        host = new MetadataDocumentHost(app, new Uri(address.Replace("[::1]", "127.0.0.1").TrimEnd('/') + "/"));
        return host;
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    private static X509Certificate2 SelfSigned()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pfx), null);
    }
}
