using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace McpFunctions.Tests.Fixtures;

/// <summary>The real app on Kestrel, on a free 127.0.0.1 port, in Development, against the run's Azurite.</summary>
public sealed class LoopbackServer : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> _settings;
    private readonly Action<IServiceCollection>? _services;

    /// <param name="services">Replaces registrations after the app's own (e.g. a fake clock or counting storage clients).</param>
    public LoopbackServer(string storageConnectionString, IDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    {
        _services = services;
        // Spans on the console (on by default in Development) would slow every test; a test may turn it back on.
        // The rate limits count per user and per address on each server, and the whole run calls the shared server
        // as one local developer from one address: far above the defaults' per-minute share. Tests of the limits
        // set their own.
        _settings = new Dictionary<string, string?>
        {
            ["Telemetry:Console"] = "false",
            ["RateLimits:McpRequestsPerMinute"] = "100000000",
            ["RateLimits:McpBurst"] = "100000000",
            ["RateLimits:OAuthRequestsPerMinute"] = "100000000",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            _settings[key] = value;
        }

        _settings["AzureWebJobsStorage"] = storageConnectionString;
        UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
    }

    /// <summary>http://127.0.0.1:{port}</summary>
    public Uri BaseAddress { get; private set; } = null!;

    public Uri Url(string path) => new(BaseAddress, path);

    public LoopbackServer Start()
    {
        StartServer();
        var addresses = Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses;
        BaseAddress = new Uri(addresses.First());
        return this;
    }

    public HttpClient CreateHttpClient() => new() { BaseAddress = BaseAddress };

    /// <summary>What the server logged at Error level or above.</summary>
    public ErrorLog Errors { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Development");
        builder.UseSetting("urls", "http://127.0.0.1:0");
        // Host settings are visible to what Program.cs reads while it registers services (Auth:Mode, for one);
        // the in-memory source also overrides appsettings files for options bound later.
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureAppConfiguration((_, configuration) => configuration.AddInMemoryCollection(_settings));
        builder.ConfigureLogging(logging => logging.AddProvider(Errors));
        if (_services is not null)
        {
            builder.ConfigureTestServices(_services);
        }
    }
}
