using System.Security.Cryptography;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.WebUtilities;

namespace McpFunctions.Sessions.Cluster;

/// <summary>This process among the app's instances: its id, and how to reach its own HTTP listener for relayed requests.</summary>
internal sealed class LocalInstance(IServer server)
{
    /// <summary>Random per process start; instances never reuse an id, so a restarted process starts with an empty inbox.</summary>
    public string Id { get; } = WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(9));

    /// <summary>A loopback URL of this process's listener (the first bound address, rewritten to 127.0.0.1).</summary>
    public Uri LocalBaseAddress
    {
        get
        {
            var address = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
                ?? throw new InvalidOperationException("The server has no bound address yet.");
            var uri = new UriBuilder(address.Replace("://+", "://127.0.0.1").Replace("://*", "://127.0.0.1").Replace("://[::]", "://127.0.0.1").Replace("://0.0.0.0", "://127.0.0.1"));
            if (uri.Host == "localhost")
            {
                uri.Host = "127.0.0.1";
            }

            return uri.Uri;
        }
    }
}
