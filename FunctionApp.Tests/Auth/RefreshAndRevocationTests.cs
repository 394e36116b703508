using System.Net;
using System.Text.Json;
using McpFunctions.Tests.Fixtures;

namespace McpFunctions.Tests.Auth;

/// <summary>
/// Refresh-token rotation and revocation: one valid refresh token per grant however refreshes race, a grace window
/// for a lost response, replay after it revokes the grant, and disconnecting a client on the account page or through
/// <c>/revoke</c> stops its tokens, access tokens included, on every instance.
/// </summary>
[NonParallelizable]
public sealed class RefreshAndRevocationTests
{
    private const string Callback = "https://claude.ai/api/mcp/auth_callback";

    private LoopbackServer _server = null!;
    private LoopbackServer _strict = null!;

    [OneTimeSetUp]
    public void Start()
    {
        _server = new LoopbackServer(TestRun.Azurite.ConnectionString, new Dictionary<string, string?> { ["Auth:Mode"] = "LocalSignIn" }).Start();
        _strict = new LoopbackServer(TestRun.Azurite.ConnectionString, new Dictionary<string, string?>
        {
            ["Auth:Mode"] = "LocalSignIn",
            ["Auth:RefreshTokenReuseGrace"] = "00:00:00",
        }).Start();
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await _server.DisposeAsync();
        await _strict.DisposeAsync();
    }

    [Test]
    public async Task Within_the_grace_a_lost_refresh_response_can_be_retried_and_only_the_newest_refresh_token_stays_valid()
    {
        var (http, clientId, tokens) = await SignInAsync(_server, "grace-user");
        var original = Refresh(tokens);
        var (_, lost) = await OAuthRequests.RefreshAsync(http, clientId, original);

        var (retried, renewed) = await OAuthRequests.RefreshAsync(http, clientId, original);

        Assert.That(retried, Is.EqualTo(200), renewed.ToString());
        Assert.That((await OAuthRequests.RefreshAsync(http, clientId, Refresh(lost))).Status, Is.EqualTo(400), "the token in the lost response is revoked");
        Assert.That((await OAuthRequests.RefreshAsync(http, clientId, Refresh(renewed))).Status, Is.EqualTo(200), "the retried response's token is the grant's one valid token");
    }

    [Test]
    public async Task However_many_refreshes_of_one_token_race_exactly_one_refresh_token_of_the_grant_is_valid_afterwards()
    {
        var (http, clientId, tokens) = await SignInAsync(_server, "race-user");
        var original = Refresh(tokens);

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => OAuthRequests.RefreshAsync(http, clientId, original)));
        var issued = results.Where(r => r.Status == 200).Select(r => Refresh(r.Body)).ToArray();
        Assert.That(issued, Is.Not.Empty, "at least one of the racing refreshes succeeds");
        Assert.That(results.Where(r => r.Status != 200).Select(r => r.Body.GetProperty("error").GetString()), Has.All.EqualTo("invalid_grant"));

        // Using the valid one rotates it, which cannot revive the others: one pass counts what was valid after the race.
        var valid = 0;
        foreach (var token in issued)
        {
            valid += (await OAuthRequests.RefreshAsync(http, clientId, token)).Status == 200 ? 1 : 0;
        }

        Assert.That(valid, Is.EqualTo(1));
    }

    [Test]
    public async Task The_same_client_signed_in_on_two_devices_keeps_both_refresh_tokens()
    {
        using var http = _server.CreateHttpClient();
        var clientId = await OAuthRequests.RegisterAsync(http, Callback, "Two devices");
        var first = await DeviceAsync(http, clientId, "two-devices-user");
        var second = await DeviceAsync(http, clientId, "two-devices-user");

        var (firstRefreshed, _) = await OAuthRequests.RefreshAsync(http, clientId, Refresh(first));
        var (secondRefreshed, _) = await OAuthRequests.RefreshAsync(http, clientId, Refresh(second));

        Assert.That(firstRefreshed, Is.EqualTo(200));
        Assert.That(secondRefreshed, Is.EqualTo(200));
    }

    private async Task<JsonElement> DeviceAsync(HttpClient http, string clientId, string user)
    {
        var (verifier, challenge) = OAuthRequests.Pkce();
        using var browser = new SignInBrowser();
        var redirect = await browser.AuthorizeAsync(OAuthRequests.AuthorizeUrl(_server.BaseAddress,
            OAuthRequests.AuthorizeParameters(_server.BaseAddress, clientId, Callback, challenge)), user);
        var (status, tokens) = await OAuthRequests.ExchangeAsync(http, clientId, SignInBrowser.Parameters(redirect)["code"], verifier, Callback, _server.BaseAddress);
        Assert.That(status, Is.EqualTo(200), tokens.ToString());
        return tokens;
    }

    [Test]
    public async Task Reusing_a_redeemed_refresh_token_after_the_grace_revokes_the_whole_grant()
    {
        var (http, clientId, tokens) = await SignInAsync(_strict, "replay-user");
        var (_, renewed) = await OAuthRequests.RefreshAsync(http, clientId, Refresh(tokens));

        var (replayed, error) = await OAuthRequests.RefreshAsync(http, clientId, Refresh(tokens));

        Assert.That(replayed, Is.EqualTo(400));
        Assert.That(error.GetProperty("error").GetString(), Is.EqualTo("invalid_grant"));
        Assert.That((await OAuthRequests.RefreshAsync(http, clientId, Refresh(renewed))).Status, Is.EqualTo(400), "the grant's current refresh token is revoked too");
        Assert.That(await OAuthRequests.CallMcpAsync(http, renewed.GetProperty("access_token").GetString()!), Is.EqualTo(HttpStatusCode.Unauthorized), "and its access tokens");
    }

    [Test]
    public async Task Disconnecting_a_client_on_the_account_page_stops_its_tokens_here_and_on_a_newly_started_instance()
    {
        var (http, clientId, tokens, browser) = await SignInWithBrowserAsync(_server, "account-user");
        var access = tokens.GetProperty("access_token").GetString()!;
        Assert.That(await OAuthRequests.CallMcpAsync(http, access), Is.EqualTo(HttpStatusCode.OK));

        await browser.GetAsync(new Uri(_server.BaseAddress, "/account"));
        Assert.That(browser.LastPage, Does.Contain("Connected applications").And.Contain("Account test client").And.Contain("Read your notes"));
        var form = SignInBrowser.Form.Parse(browser.LastPage);
        var revoke = await browser.PostAsync(new Uri(_server.BaseAddress, form.Action), form.Fields);
        Assert.That(revoke.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        await browser.GetAsync(new Uri(_server.BaseAddress, "/account"));

        Assert.That(browser.LastPage, Does.Contain("No application is connected"));
        Assert.That(await OAuthRequests.CallMcpAsync(http, access), Is.EqualTo(HttpStatusCode.Unauthorized), "at once on this instance");
        Assert.That((await OAuthRequests.RefreshAsync(http, clientId, Refresh(tokens))).Status, Is.EqualTo(400));
        await using var other = new LoopbackServer(TestRun.Azurite.ConnectionString, new Dictionary<string, string?> { ["Auth:Mode"] = "LocalSignIn" }).Start();
        using var otherHttp = other.CreateHttpClient();
        using var request = McpRequests.Post("/mcp", McpRequests.Initialize);
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", access);
        request.Headers.Host = _server.BaseAddress.Authority;
        using var response = await otherHttp.SendAsync(request);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized), "on another instance, whose first check reads the revoked list");
    }

    [Test]
    public async Task Another_users_grant_cannot_be_disconnected_from_the_account_page()
    {
        var (_, _, victimTokens, victim) = await SignInWithBrowserAsync(_server, "victim-user");
        await victim.GetAsync(new Uri(_server.BaseAddress, "/account"));
        var victimGrant = SignInBrowser.Form.Parse(victim.LastPage).Fields["grant"];
        var (http, _, _, attacker) = await SignInWithBrowserAsync(_server, "attacker-user");
        await attacker.GetAsync(new Uri(_server.BaseAddress, "/account"));
        var form = SignInBrowser.Form.Parse(attacker.LastPage);
        form.Fields["grant"] = victimGrant;

        var response = await attacker.PostAsync(new Uri(_server.BaseAddress, form.Action), form.Fields);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(await OAuthRequests.CallMcpAsync(http, victimTokens.GetProperty("access_token").GetString()!), Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task The_revocation_endpoint_revokes_the_callers_own_refresh_token_and_not_another_clients()
    {
        var (http, clientId, tokens) = await SignInAsync(_server, "revoke-user");
        var other = await OAuthRequests.RegisterAsync(http, Callback, "Other client");

        using var foreign = await http.PostAsync("/revoke", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["token"] = Refresh(tokens), ["token_type_hint"] = "refresh_token", ["client_id"] = other,
        }));
        var (afterForeign, renewed) = await OAuthRequests.RefreshAsync(http, clientId, Refresh(tokens));
        using var own = await http.PostAsync("/revoke", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["token"] = Refresh(renewed), ["token_type_hint"] = "refresh_token", ["client_id"] = clientId,
        }));
        var (afterOwn, _) = await OAuthRequests.RefreshAsync(http, clientId, Refresh(renewed));

        Assert.That((int)foreign.StatusCode, Is.LessThan(500));
        Assert.That(afterForeign, Is.EqualTo(200), "another client cannot revoke this client's token");
        Assert.That(own.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(afterOwn, Is.EqualTo(400));
        Assert.That(await OAuthRequests.CallMcpAsync(http, renewed.GetProperty("access_token").GetString()!), Is.EqualTo(HttpStatusCode.Unauthorized),
            "revoking the refresh token signs the grant out, its access tokens too");
    }

    private static string Refresh(JsonElement tokens) => tokens.GetProperty("refresh_token").GetString()!;

    private static async Task<(HttpClient Http, string ClientId, JsonElement Tokens)> SignInAsync(LoopbackServer server, string user)
    {
        var (http, clientId, tokens, browser) = await SignInWithBrowserAsync(server, user);
        browser.Dispose();
        return (http, clientId, tokens);
    }

    private static async Task<(HttpClient Http, string ClientId, JsonElement Tokens, SignInBrowser Browser)> SignInWithBrowserAsync(LoopbackServer server, string user)
    {
        var http = server.CreateHttpClient();
        var clientId = await OAuthRequests.RegisterAsync(http, Callback, "Account test client");
        var (verifier, challenge) = OAuthRequests.Pkce();
        var browser = new SignInBrowser();
        var redirect = await browser.AuthorizeAsync(OAuthRequests.AuthorizeUrl(server.BaseAddress,
            OAuthRequests.AuthorizeParameters(server.BaseAddress, clientId, Callback, challenge)), user);
        var (status, tokens) = await OAuthRequests.ExchangeAsync(http, clientId, SignInBrowser.Parameters(redirect)["code"], verifier, Callback, server.BaseAddress);
        Assert.That(status, Is.EqualTo(200), tokens.ToString());
        return (http, clientId, tokens, browser);
    }
}
