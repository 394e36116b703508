using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using McpFunctions.Tests.Fixtures;

namespace McpFunctions.Tests.Auth;

/// <summary>
/// The per-address limit on the authorization server's endpoints and pages (RateLimits:OAuthRequestsPerMinute), over
/// real HTTP. Each test sends from its own loopback address (127.0.0.x), so each has a window of its own; the window
/// is a minute, so it does not reset while a test runs.
/// </summary>
[NonParallelizable]
public sealed class AddressRateLimitTests
{
    private const int Limit = 2;

    private LoopbackServer _server = null!;

    [OneTimeSetUp]
    public void Start()
    {
        using (var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            try
            {
                probe.Bind(new IPEndPoint(IPAddress.Parse("127.0.0.11"), 0));
            }
            catch (SocketException)
            {
                Assert.Ignore("This machine answers only 127.0.0.1 on loopback (Linux answers all of 127.0.0.0/8).");
            }
        }

        _server = new LoopbackServer(TestRun.Azurite.ConnectionString, new Dictionary<string, string?>
        {
            ["Auth:Mode"] = "LocalSignIn",
            ["RateLimits:OAuthRequestsPerMinute"] = Limit.ToString(System.Globalization.CultureInfo.InvariantCulture),
        }).Start();
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        // Null when the set-up ignored the fixture before starting it.
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    [TestCase("GET", "/.well-known/oauth-authorization-server", "127.0.0.11")]
    [TestCase("GET", "/.well-known/jwks.json", "127.0.0.12")]
    [TestCase("GET", "/authorize?client_id=x", "127.0.0.13")]
    [TestCase("POST", "/token", "127.0.0.14")]
    [TestCase("POST", "/revoke", "127.0.0.15")]
    [TestCase("POST", "/register", "127.0.0.16")]
    [TestCase("GET", "/signin/local", "127.0.0.17")]
    public async Task An_address_over_the_limit_gets_429_with_Retry_After_and_an_OAuth_error_while_another_address_is_served(string method, string path, string address)
    {
        using var http = ClientFrom(address);
        for (var i = 0; i < Limit; i++)
        {
            using var allowed = await http.SendAsync(Request(method, path));
            Assert.That(allowed.StatusCode, Is.Not.EqualTo(HttpStatusCode.TooManyRequests), $"request {i + 1} of {Limit}");
        }

        using var refused = await http.SendAsync(Request(method, path));
        var body = await refused.Content.ReadAsStringAsync();

        Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.TooManyRequests), body);
        Assert.That(refused.Headers.RetryAfter?.Delta, Is.GreaterThan(TimeSpan.Zero));
        using var json = JsonDocument.Parse(body);
        Assert.That(json.RootElement.GetProperty("error").GetString(), Is.EqualTo("temporarily_unavailable"));
        Assert.That(json.RootElement.GetProperty("error_description").GetString(), Does.Contain("from this address").And.Contain("Retry-After"));
        ResponseBody.AssertRevealsNoInternals(body);

        using var other = ClientFrom(address + "0");
        using var served = await other.SendAsync(Request(method, path));
        Assert.That(served.StatusCode, Is.Not.EqualTo(HttpStatusCode.TooManyRequests), "another address has a window of its own");
    }

    [Test]
    public async Task MCP_requests_are_not_counted_against_the_address()
    {
        using var http = ClientFrom("127.0.0.21");
        for (var i = 0; i < Limit + 1; i++)
        {
            using var response = await http.SendAsync(McpRequests.Post("/mcp", McpRequests.Initialize));
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized), "no token: refused by authentication, not by the address limit");
        }
    }

    private static HttpRequestMessage Request(string method, string path) => method == "GET"
        ? new HttpRequestMessage(HttpMethod.Get, path)
        : new HttpRequestMessage(HttpMethod.Post, path) { Content = new FormUrlEncodedContent([]) };

    /// <summary>A client whose connections come from <paramref name="address"/> (any 127.0.0.0/8 address is this machine).</summary>
    private HttpClient ClientFrom(string address) => new(new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        ConnectCallback = async (context, cancellationToken) =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                socket.Bind(new IPEndPoint(IPAddress.Parse(address), 0));
                await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    })
    {
        BaseAddress = _server.BaseAddress,
    };
}
