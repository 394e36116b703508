using System.Text.Json.Nodes;
using McpFunctions.Tests.Fixtures;

namespace McpFunctions.Tests.Infra;

/// <summary>
/// infra/hooks/entra-app.sh, the azd hook that makes the Entra app registration, run for real (bash) against stand-ins
/// for az and azd (<see cref="CliStandIn"/>). The az stand-in answers the way Entra would for the state each test
/// sets up; the assertions are on what the script asked az and azd to do.
/// </summary>
public sealed class EntraAppHookTests
{
    private const string EnvironmentName = "mcp-test";
    private const string SubscriptionId = "11111111-2222-3333-4444-555555555555";
    private const string TenantId = "72f988bf-0000-0000-0000-2d7cd011db47";
    private const string AppId = "6a1c5c8e-0d9b-4a8e-9f6e-3c2f1d0e9b7a";
    private const string HostName = "func-api-abc123.azurewebsites.net";
    private const string PrincipalId = "0b7e2f4c-8d1a-4f3e-9c5b-7a6d5e4f3c2b";
    private const string VsCode = "aebc6443-996d-45c2-90f0-388ff96faa56";
    private const string DisplayName = $"McpFunctions ({EnvironmentName})";

    private static readonly string[] Scopes = ["notes.read", "notes.write", "files.read", "files.write", "preferences.read", "preferences.write"];

    /// <summary>The infra/main.bicep outputs postprovision reads, as azd stores them after provisioning.</summary>
    private static readonly Dictionary<string, string> ProvisionedOutputs = new()
    {
        ["AZURE_FUNCTION_APP_HOSTNAME"] = HostName,
        ["AZURE_FUNCTION_APP_IDENTITY_PRINCIPAL_ID"] = PrincipalId,
        ["AZURE_FUNCTION_APP_IDENTITY_CLIENT_ID"] = "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a",
        ["AZURE_TENANT_ID"] = TenantId,
        ["AZURE_LOGIN_ENDPOINT"] = "https://login.microsoftonline.com/",
    };

    private CliStandIn _cli = null!;

    [SetUp]
    public void SetUp()
    {
        _cli = CliStandIn.Create();
        _cli.SetEnvironmentValue("AZURE_ENV_NAME", EnvironmentName);
        _cli.SetEnvironmentValue("AZURE_SUBSCRIPTION_ID", SubscriptionId);
        _cli.SetEnvironmentValue("AZURE_LOCATION", "eastus");
        SignedInToATenantWithoutTheApp();
    }

    [TearDown]
    public void TearDown() => _cli.Dispose();

    [Test]
    public async Task First_run_creates_a_single_tenant_app_with_its_identifier_uri_and_service_principal()
    {
        await RunAsync("preprovision");

        var create = _cli.Az.Single(c => c.Is("ad", "app", "create"));
        Assert.Multiple(() =>
        {
            Assert.That(create.Option("--display-name"), Is.EqualTo(DisplayName));
            Assert.That(create.Option("--sign-in-audience"), Is.EqualTo("AzureADMyOrg"));
            Assert.That(_cli.Az.Single(c => c.Is("ad", "app", "update")).Values("--identifier-uris"), Is.EqualTo(new[] { $"api://{AppId}" }));
            Assert.That(_cli.Az.Single(c => c.Is("ad", "sp", "create")).Option("--id"), Is.EqualTo(AppId));
            Assert.That(_cli.Calls.Where(c => c.Tool == "jq"), Is.Empty, "the script must run without jq");
        });
    }

    [Test]
    public async Task First_run_defines_the_six_delegated_scopes_with_consent_texts_and_v2_tokens()
    {
        await RunAsync("preprovision");

        var api = Patches()[0]["api"]!;
        var scopes = api["oauth2PermissionScopes"]!.AsArray().Select(s => s!.AsObject()).ToList();
        Assert.That(scopes.Select(s => (string?)s["value"]), Is.EquivalentTo(Scopes));
        Assert.That(api["requestedAccessTokenVersion"]!.GetValue<int>(), Is.EqualTo(2));
        Assert.That(scopes.Select(s => (string?)s["id"]).Distinct().Count(), Is.EqualTo(Scopes.Length));
        foreach (var scope in scopes)
        {
            Assert.Multiple(() =>
            {
                Assert.That(Guid.TryParseExact((string?)scope["id"], "D", out _), Is.True, scope.ToJsonString());
                Assert.That(scope["isEnabled"]!.GetValue<bool>(), Is.True);
                Assert.That((string?)scope["type"], Is.EqualTo("User"), "users may consent for themselves");
                foreach (var text in new[] { "adminConsentDisplayName", "adminConsentDescription", "userConsentDisplayName", "userConsentDescription" })
                {
                    Assert.That((string?)scope[text], Is.Not.Null.And.Not.Empty, $"{scope["value"]} {text}");
                }
            });
        }

        Assert.That((string?)Patches()[0]["signInAudience"], Is.EqualTo("AzureADMyOrg"));
    }

    [Test]
    public async Task First_run_defines_an_app_role_for_apps_and_users_per_scope_with_the_scope_id()
    {
        await RunAsync("preprovision");

        var body = Patches()[0];
        var scopes = body["api"]!["oauth2PermissionScopes"]!.AsArray().ToDictionary(s => (string)s!["value"]!);
        var roles = body["appRoles"]!.AsArray().Select(r => r!.AsObject()).ToList();

        Assert.That(roles.Select(r => (string?)r["value"]), Is.EquivalentTo(Scopes));
        foreach (var role in roles)
        {
            var scope = scopes[(string)role["value"]!]!;
            Assert.Multiple(() =>
            {
                Assert.That(role["allowedMemberTypes"]!.AsArray().Select(t => (string?)t), Is.EquivalentTo(new[] { "Application", "User" }));
                Assert.That(role["isEnabled"]!.GetValue<bool>(), Is.True);
                // Entra expects a permission offered both as a role and as a scope to have one id, name and description.
                Assert.That((string?)role["id"], Is.EqualTo((string?)scope["id"]));
                Assert.That((string?)role["displayName"], Is.EqualTo((string?)scope["adminConsentDisplayName"]));
                Assert.That((string?)role["description"], Is.EqualTo((string?)scope["adminConsentDescription"]));
            });
        }
    }

    [Test]
    public async Task First_run_pre_authorizes_vs_code_for_every_scope_through_microsoft_graph()
    {
        await RunAsync("preprovision");

        var patches = _cli.Az.Where(c => c.Is("rest")).ToList();
        var scopeIds = patches[0].BodyJson["api"]!["oauth2PermissionScopes"]!.AsArray().Select(s => (string?)s!["id"]);
        var preAuthorized = patches[^1].BodyJson["api"]!["preAuthorizedApplications"]!.AsArray().Select(p => p!.AsObject()).ToList();

        Assert.Multiple(() =>
        {
            Assert.That(patches, Has.All.Matches<CliCall>(p => p.Option("--method") == "PATCH"));
            Assert.That(patches.Select(p => p.Option("--uri")), Has.All.EqualTo($"https://graph.microsoft.com/v1.0/applications(appId='{AppId}')"));
            Assert.That(preAuthorized.Select(p => (string?)p["appId"]), Is.EqualTo(new[] { VsCode }));
            Assert.That(preAuthorized[0]["delegatedPermissionIds"]!.AsArray().Select(i => (string?)i), Is.EquivalentTo(scopeIds));
        });
    }

    [Test]
    public async Task First_run_requests_microsoft_graphs_user_read_for_the_downstream_api()
    {
        await RunAsync("preprovision");

        var permission = _cli.Az.Single(c => c.Is("ad", "app", "permission", "add"));
        Assert.Multiple(() =>
        {
            Assert.That(permission.Option("--id"), Is.EqualTo(AppId));
            Assert.That(permission.Option("--api"), Is.EqualTo("00000003-0000-0000-c000-000000000000"));
            Assert.That(permission.Option("--api-permissions"), Is.EqualTo("e1fe6dd8-ba31-4d61-89e7-88639da4683d=Scope"));
        });
    }

    [Test]
    public async Task First_run_stores_the_client_and_tenant_ids_that_bicep_turns_into_app_settings()
    {
        await RunAsync("preprovision");

        var sets = _cli.Calls.Where(c => c.Tool == "azd" && c.Is("env", "set")).ToDictionary(c => c.Arguments[2], c => c.Arguments[3]);
        Assert.That(sets, Is.EquivalentTo(new Dictionary<string, string> { ["AZURE_AD_CLIENT_ID"] = AppId, ["AZURE_AD_TENANT_ID"] = TenantId }));

        // main.parameters.json hands both to main.bicep, which passes them to the function app's settings.
        var parameters = JsonNode.Parse(await File.ReadAllTextAsync(RepoPaths.Combine("infra", "main.parameters.json")))!["parameters"]!.AsObject();
        var fed = parameters.Where(p => sets.Keys.Any(name => (string?)p.Value!["value"] == "${" + name + "}")).Select(p => p.Key);
        Assert.That(fed, Is.EquivalentTo(new[] { "entraClientId", "entraTenantId" }));
    }

    [Test]
    public async Task Postprovision_adds_the_sign_in_redirect_uri_and_trusts_the_managed_identity()
    {
        await RunAsync("preprovision");
        Provisioned();
        _cli.ForgetCalls();

        await RunAsync("postprovision");

        var redirect = _cli.Az.Single(c => c.Is("ad", "app", "update"));
        var credential = _cli.Az.Single(c => c.Is("ad", "app", "federated-credential", "create"));
        Assert.Multiple(() =>
        {
            Assert.That(redirect.Option("--id"), Is.EqualTo(AppId));
            Assert.That(redirect.Values("--web-redirect-uris"), Is.EqualTo(new[] { $"https://{HostName}/signin-oidc" }));
            Assert.That(credential.Option("--id"), Is.EqualTo(AppId));
            Assert.That((string?)credential.BodyJson["issuer"], Is.EqualTo($"https://login.microsoftonline.com/{TenantId}/v2.0"));
            Assert.That((string?)credential.BodyJson["subject"], Is.EqualTo(PrincipalId), "the managed identity's principal (object) id");
            Assert.That(credential.BodyJson["audiences"]!.AsArray().Select(a => (string?)a), Is.EqualTo(new[] { "api://AzureADTokenExchange" }));
            Assert.That((string?)credential.BodyJson["name"], Is.EqualTo($"azd-{EnvironmentName}"));
        });
    }

    [Test]
    public async Task Postprovision_prints_the_mcp_url_and_how_to_add_it_to_claude_vs_code_and_the_inspector()
    {
        await RunAsync("preprovision");
        Provisioned();

        var output = (await RunAsync("postprovision")).StandardOutput;

        Assert.That(output, Does.Contain($"https://{HostName}/mcp"));
        Assert.That(output, Does.Contain("Settings → Connectors → Add custom connector"));
        Assert.That(output, Does.Contain("VS Code").And.Contain("MCP Inspector"));
    }

    [Test]
    public async Task A_second_run_updates_the_same_app_and_creates_nothing()
    {
        await RunAsync("preprovision");
        Provisioned();
        await RunAsync("postprovision");
        var firstIds = ScopeIds(Patches()[0]);
        TenantAsTheFirstRunLeftIt();
        _cli.ForgetCalls();

        await RunAsync("preprovision");
        await RunAsync("postprovision");

        var writes = _cli.Az.Where(c => c.Arguments.Any(a => a is "create" or "update" or "delete")).Select(c => c.ToString());
        Assert.Multiple(() =>
        {
            Assert.That(writes, Is.Empty, "everything exists already");
            Assert.That(_cli.Az.Where(c => c.Is("ad", "app", "permission")), Is.Empty, "Graph's User.Read is requested already");
            Assert.That(ScopeIds(Patches()[0]), Is.EqualTo(firstIds), "scope ids are reused; Entra refuses to change an enabled scope's id");
            Assert.That(_cli.Calls.Where(c => c.Tool == "azd" && c.Is("env", "set")), Is.Empty, "the stored ids are unchanged");
            Assert.That(_cli.Az.Where(c => c.Is("ad", "app", "list")).Select(c => c.Option("--filter")), Is.EqualTo(new[] { $"appId eq '{AppId}'" }), "found by AZURE_AD_CLIENT_ID");
        });
    }

    [Test]
    public async Task Scopes_roles_clients_and_redirect_uris_added_by_hand_are_kept()
    {
        TenantWithTheAppHandEdited();
        Provisioned();

        await RunAsync("preprovision");
        await RunAsync("postprovision");

        var patches = Patches();
        var redirect = _cli.Az.Single(c => c.Is("ad", "app", "update"));
        Assert.Multiple(() =>
        {
            Assert.That(patches[0]["api"]!["oauth2PermissionScopes"]!.AsArray().Select(s => (string?)s!["value"]), Does.Contain("admin.all").And.Contains("notes.read"));
            Assert.That(patches[0]["appRoles"]!.AsArray().Select(r => (string?)r!["value"]), Does.Contain("Auditor").And.Contains("files.write"));
            Assert.That(patches[^1]["api"]!["preAuthorizedApplications"]!.AsArray().Select(p => (string?)p!["appId"]), Is.EquivalentTo(new[] { VsCode, "04b07795-8ddb-461a-bbee-02f9e1bf7b46" }));
            Assert.That(redirect.Values("--web-redirect-uris"), Is.EqualTo(new[] { "http://localhost:7071/signin-oidc", $"https://{HostName}/signin-oidc" }));
        });
    }

    [Test]
    public async Task A_new_managed_identity_moves_the_federated_credential_instead_of_adding_one()
    {
        await RunAsync("preprovision");
        Provisioned();
        await RunAsync("postprovision");
        TenantAsTheFirstRunLeftIt();
        _cli.SetEnvironmentValue("AZURE_FUNCTION_APP_IDENTITY_PRINCIPAL_ID", "5c4b3a29-1807-4f6e-8d5c-4b3a29180706");
        _cli.ForgetCalls();

        await RunAsync("postprovision");

        var update = _cli.Az.Single(c => c.Is("ad", "app", "federated-credential", "update"));
        Assert.Multiple(() =>
        {
            Assert.That(update.Option("--federated-credential-id"), Is.EqualTo("fic-1"));
            Assert.That((string?)update.BodyJson["subject"], Is.EqualTo("5c4b3a29-1807-4f6e-8d5c-4b3a29180706"));
            Assert.That(_cli.Az.Where(c => c.Is("ad", "app", "federated-credential", "create")), Is.Empty);
        });
    }

    [TestCase("preprovision")]
    [TestCase("postprovision")]
    public async Task Fails_clearly_and_touches_nothing_when_az_is_not_signed_in(string phase)
    {
        Provisioned();
        _cli.SetEnvironmentValue("AZURE_AD_CLIENT_ID", AppId);
        _cli.Answer("account show", exitCode: 1, error: "ERROR: Please run 'az login' to setup account.");

        var run = await _cli.RunHookAsync(phase);

        Assert.That(run.ExitCode, Is.Not.Zero);
        Assert.That(run.Output, Does.Contain("az is not signed in").And.Contain("az login"));
        Assert.That(_cli.Az.Where(c => !c.Is("account")), Is.Empty);
    }

    [Test]
    public async Task Refuses_when_az_works_in_another_tenant_than_azds_subscription()
    {
        _cli.Answer(["account show", $"--subscription {SubscriptionId}"], "aaaaaaaa-0000-0000-0000-000000000000");

        var run = await _cli.RunHookAsync("preprovision");

        Assert.That(run.ExitCode, Is.Not.Zero);
        Assert.That(run.Output, Does.Contain("az account set --subscription " + SubscriptionId));
        Assert.That(_cli.Az.Where(c => c.Is("ad")), Is.Empty);
    }

    [Test]
    public async Task Two_registrations_of_the_same_name_are_refused_until_one_is_chosen()
    {
        _cli.Answer(["ad app list", "displayName eq"], $"{AppId}\n0f0e0d0c-0b0a-4909-8807-060504030201");

        var run = await _cli.RunHookAsync("preprovision");

        Assert.That(run.ExitCode, Is.Not.Zero);
        Assert.That(run.Output, Does.Contain("azd env set AZURE_AD_CLIENT_ID"));
        Assert.That(_cli.Az.Where(c => c.Is("ad", "app", "create")), Is.Empty);
    }

    [Test]
    public async Task The_values_postprovision_reads_are_outputs_of_main_bicep()
    {
        var main = (await BicepCompiler.MainAsync()).Main;

        Assert.That(main.Outputs.Select(o => o.Key), Is.SupersetOf(ProvisionedOutputs.Keys));
    }

    private async Task<ChildProcess> RunAsync(string phase)
    {
        var run = await _cli.RunHookAsync(phase);
        Assert.That(run.ExitCode, Is.Zero, $"entra-app.sh {phase}:\n{run.Output}\ncalls:\n{string.Join('\n', _cli.Calls)}");
        return run;
    }

    private List<JsonObject> Patches() => _cli.Az.Where(c => c.Is("rest")).Select(c => c.BodyJson).ToList();

    private static Dictionary<string, string?> ScopeIds(JsonObject patch) =>
        patch["api"]!["oauth2PermissionScopes"]!.AsArray().ToDictionary(s => (string)s!["value"]!, s => (string?)s!["id"]);

    private void Provisioned()
    {
        foreach (var (name, value) in ProvisionedOutputs)
        {
            _cli.SetEnvironmentValue(name, value);
        }
    }

    /// <summary>az is signed in to the subscription's tenant, which holds no app registration yet.</summary>
    private void SignedInToATenantWithoutTheApp()
    {
        _cli.Answer("account show", TenantId);
        _cli.Answer(["account show", $"--subscription {SubscriptionId}"], TenantId);
        _cli.Answer("ad app list");
        _cli.Answer("ad app create", AppId);
        _cli.Answer("ad app show");
        _cli.Answer(["ad app show", "-o json"], "[]");
        _cli.Answer("ad app update");
        _cli.Answer("ad app permission add");
        _cli.Answer("ad sp list");
        _cli.Answer("ad sp create", "{}");
        _cli.Answer("rest --method PATCH");
        _cli.Answer("ad app federated-credential list");
        _cli.Answer("ad app federated-credential create", "{}");
        _cli.Answer("ad app federated-credential update", "{}");
    }

    /// <summary>Entra answers with what the calls so far wrote: the app, its scopes and roles, URIs and credential.</summary>
    private void TenantAsTheFirstRunLeftIt()
    {
        var patch = Patches()[0];
        var credential = _cli.Az.Last(c => c.Is("ad", "app", "federated-credential")).BodyJson;
        _cli.Answer(["ad app list", $"appId eq '{AppId}'"], AppId);
        _cli.Answer("ad sp list", "3f2e1d0c-9b8a-4f7e-8d6c-5b4a3f2e1d0c");
        _cli.Answer(["ad app show", "api.oauth2PermissionScopes[].[value, id]"], Tsv(patch["api"]!["oauth2PermissionScopes"]!));
        _cli.Answer(["ad app show", "appRoles[].[value, id]"], Tsv(patch["appRoles"]!));
        _cli.Answer(["ad app show", "--query identifierUris"], $"api://{AppId}");
        _cli.Answer(["ad app show", "--query web.redirectUris"], $"https://{HostName}/signin-oidc");
        _cli.Answer(["ad app show", "requiredResourceAccess"], "e1fe6dd8-ba31-4d61-89e7-88639da4683d");
        _cli.Answer("ad app federated-credential list", $"fic-1\t{credential["issuer"]}\t{credential["subject"]}");
    }

    /// <summary>The app exists (found by name), and someone added a scope, a role, a client and a local redirect URI.</summary>
    private void TenantWithTheAppHandEdited()
    {
        _cli.Answer(["ad app list", "displayName eq"], AppId);
        _cli.Answer("ad sp list", "3f2e1d0c-9b8a-4f7e-8d6c-5b4a3f2e1d0c");
        _cli.Answer(["ad app show", "--query identifierUris"], $"api://{AppId}");
        _cli.Answer(["ad app show", "--query web.redirectUris"], "http://localhost:7071/signin-oidc");
        _cli.Answer(["ad app show", "api.oauth2PermissionScopes[?", "-o json"], """
            [
              {
                "adminConsentDescription": "Everything",
                "adminConsentDisplayName": "Everything",
                "id": "e1e2e3e4-0000-4000-8000-000000000001",
                "isEnabled": true,
                "type": "Admin",
                "userConsentDescription": null,
                "userConsentDisplayName": null,
                "value": "admin.all"
              }
            ]
            """);
        _cli.Answer(["ad app show", "appRoles[?", "-o json"], """
            [
              {
                "allowedMemberTypes": [ "User" ],
                "description": "Reads the audit trail",
                "displayName": "Auditor",
                "id": "e1e2e3e4-0000-4000-8000-000000000002",
                "isEnabled": true,
                "origin": "Application",
                "value": "Auditor"
              }
            ]
            """);
        _cli.Answer(["ad app show", "api.preAuthorizedApplications[?", "-o json"], """
            [
              {
                "appId": "04b07795-8ddb-461a-bbee-02f9e1bf7b46",
                "delegatedPermissionIds": [ "e1e2e3e4-0000-4000-8000-000000000001" ]
              }
            ]
            """);
    }

    private static string Tsv(JsonNode collection) =>
        string.Join('\n', collection.AsArray().Select(item => $"{item!["value"]}\t{item["id"]}"));
}
