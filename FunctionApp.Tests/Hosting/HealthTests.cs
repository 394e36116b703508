using System.Diagnostics;
using System.Net;
using System.Text.Json;
using McpFunctions.Tests.Fixtures;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace McpFunctions.Tests.Hosting;

public sealed class HealthTests
{
    [Test]
    public async Task Healthz_is_200_with_tables_and_blobs_reachable()
    {
        using var http = TestRun.Server.CreateHttpClient();
        // A table the app has not used yet does not exist: the first check creates it (Degraded), the next is Healthy.
        using (await http.GetAsync("/healthz"))
        {
        }

        using var response = await http.GetAsync("/healthz");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(response.Headers.CacheControl?.NoStore, Is.True);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.That(json.RootElement.GetProperty("status").GetString(), Is.EqualTo("Healthy"));
        var data = json.RootElement.GetProperty("checks").GetProperty("storage").GetProperty("data");
        Assert.That(data.GetProperty("tables").GetString(), Is.EqualTo("reachable"));
        Assert.That(data.GetProperty("blobs").GetString(), Is.EqualTo("reachable"));
    }

    [Test]
    public async Task Healthz_is_a_quick_503_when_storage_does_not_answer()
    {
        var closed = FreePort.Next(); // free a moment ago, so nothing listens there
        var unreachable =
            "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;" +
            "AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;" +
            $"BlobEndpoint=http://127.0.0.1:{closed}/devstoreaccount1;TableEndpoint=http://127.0.0.1:{closed}/devstoreaccount1;";
        await using var server = new LoopbackServer(unreachable).Start();
        using var http = server.CreateHttpClient();
        http.Timeout = TimeSpan.FromSeconds(30);

        var clock = Stopwatch.StartNew();
        using var response = await http.GetAsync("/healthz");
        clock.Stop();

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(10)));
        var body = await response.Content.ReadAsStringAsync();
        ResponseBody.AssertRevealsNoInternals(body);
        using var json = JsonDocument.Parse(body);
        Assert.That(json.RootElement.GetProperty("status").GetString(), Is.EqualTo("Unhealthy"));
        var data = json.RootElement.GetProperty("checks").GetProperty("storage").GetProperty("data");
        Assert.That(data.GetProperty("tables").GetString(), Is.EqualTo("unreachable"));
        Assert.That(data.GetProperty("blobs").GetString(), Is.EqualTo("unreachable"));
    }

    [Test]
    public async Task Start_up_makes_no_storage_request()
    {
        // Anything read from storage before the server listens lengthens every cold start (and ties start-up to
        // storage being reachable): the Data Protection key ring, for one, is loaded on first use.
        var log = new StorageRequestLog();
        await using var server = new LoopbackServer(TestRun.Azurite.ConnectionString, services: s =>
            s.Replace(ServiceDescriptor.Singleton(log.ClientsFor(TestRun.Azurite.ConnectionString)))).Start();

        Assert.That(log.Requests.Select(r => $"{r.Method} {r.Path}"), Is.Empty);
        using var http = server.CreateHttpClient();
        using var response = await http.GetAsync("/");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task The_root_answers_the_Functions_host_probe_and_says_where_things_are()
    {
        using var http = TestRun.Server.CreateHttpClient();

        using var response = await http.GetAsync("/");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.That(json.RootElement.GetProperty("mcp").GetString(), Is.EqualTo("/mcp"));
        Assert.That(json.RootElement.GetProperty("sse").GetString(), Is.EqualTo("/sse"));
        Assert.That(json.RootElement.GetProperty("health").GetString(), Is.EqualTo("/healthz"));
    }

    [Test]
    public async Task An_unknown_path_is_a_plain_404()
    {
        using var http = TestRun.Server.CreateHttpClient();

        using var response = await http.GetAsync("/no-such-page");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        ResponseBody.AssertRevealsNoInternals(await response.Content.ReadAsStringAsync());
    }
}
