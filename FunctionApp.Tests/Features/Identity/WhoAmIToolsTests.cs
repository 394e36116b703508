using McpFunctions.Auth;
using McpFunctions.Features.Identity;
using McpFunctions.Tests.Fixtures;

namespace McpFunctions.Tests.Features.Identity;

public sealed class WhoAmIToolsTests
{
    [Test]
    public async Task Whoami_reports_the_local_developer_and_the_clients_own_session()
    {
        await using var client = await Clients.StreamableAsync(TestRun.Server);

        var me = (await client.CallToolAsync("whoami")).Read<WhoAmI>();

        Assert.Multiple(() =>
        {
            Assert.That(me.Id, Is.EqualTo("local-developer"));
            Assert.That(me.Name, Is.EqualTo("Local developer"));
            Assert.That(me.AuthenticationMethod, Is.EqualTo(LocalDeveloper.SchemeName));
            Assert.That(me.Scopes, Is.EquivalentTo(McpScopes.All), "the local developer holds every scope");
            Assert.That(me.SessionId, Is.Not.Empty.And.EqualTo(client.SessionId));
            Assert.That(me.ProtocolVersion, Is.EqualTo(Clients.SessionRevision));
            Assert.That(me.Client, Is.EqualTo("McpFunctions.Tests 1.0.0"));
        });
    }

    [Test]
    public async Task Whoami_over_a_stateless_client_has_no_session()
    {
        await using var client = await Clients.StatelessAsync(TestRun.Server);

        var me = (await client.CallToolAsync("whoami")).Read<WhoAmI>();

        Assert.That((me.Id, me.SessionId, me.ProtocolVersion), Is.EqualTo(("local-developer", (string?)null, Clients.StatelessRevision)));
    }

    [Test]
    public async Task Whoami_over_legacy_sse_reports_a_session()
    {
        await using var client = await Clients.LegacySseAsync(TestRun.Server);

        var me = (await client.CallToolAsync("whoami")).Read<WhoAmI>();

        Assert.That(me.Id, Is.EqualTo("local-developer"));
        Assert.That(me.SessionId, Is.Not.Null.And.Not.Empty, "the /sse stream is a session");
    }
}
