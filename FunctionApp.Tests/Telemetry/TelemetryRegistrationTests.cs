using Azure.Identity;
using McpFunctions.Hosting;
using McpFunctions.Telemetry;
using McpFunctions.Tests.Fixtures;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace McpFunctions.Tests.Telemetry;

/// <summary>Which telemetry the settings turn on, and the Application Insights credential.</summary>
public sealed class TelemetryRegistrationTests
{
    [Test]
    public void Without_an_exporter_nothing_is_registered_so_nothing_listens()
    {
        // The shared server: Development with Telemetry:Console off, no exporter settings.
        Assert.That(TestRun.Server.Services.GetService<TracerProvider>(), Is.Null);
        Assert.That(TestRun.Server.Services.GetService<MeterProvider>(), Is.Null);
    }

    [Test]
    public async Task In_Development_spans_go_to_the_console_unless_turned_off_and_metrics_only_to_an_exporter()
    {
        await using var server = new LoopbackServer(TestRun.Azurite.ConnectionString, new Dictionary<string, string?> { ["Telemetry:Console"] = null }).Start();

        Assert.That(server.Services.GetService<TracerProvider>(), Is.Not.Null);
        Assert.That(server.Services.GetService<MeterProvider>(), Is.Null);
    }

    [Test]
    public void The_authentication_string_gives_a_managed_identity_credential()
    {
        Assert.That(ApplicationInsightsCredential.From("ClientId=00000000-0000-0000-0000-000000000001;Authorization=AAD"), Is.InstanceOf<ManagedIdentityCredential>());
        Assert.That(ApplicationInsightsCredential.From("Authorization=AAD"), Is.InstanceOf<ManagedIdentityCredential>(), "the system-assigned identity");
        Assert.That(ApplicationInsightsCredential.From(null), Is.Null, "no setting: the connection string alone");
        Assert.That(() => ApplicationInsightsCredential.From("ClientId=00000000-0000-0000-0000-000000000001"), Throws.InstanceOf<StartupConfigurationException>());
    }
}
