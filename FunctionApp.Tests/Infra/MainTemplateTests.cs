using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace McpFunctions.Tests.Infra;

/// <summary>infra/main.bicep, compiled with the real Bicep compiler and checked on the ARM template `azd up` deploys.</summary>
public sealed partial class MainTemplateTests
{
    private const string StorageBlobDataContributor = "ba92f5b4-2d11-453d-a403-e96b0029c9fe";
    private const string StorageTableDataContributor = "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3";
    private const string StorageQueueDataContributor = "974c5e8b-45b9-4653-ba55-5f855dd0fb88";
    private const string MonitoringMetricsPublisher = "3913510d-42f4-4e42-8a64-420c390055eb";

    private static readonly Dictionary<string, string> TooBroadRoles = new()
    {
        ["b7e6dc6d-f1e8-4753-8033-0f276bb0955b"] = "Storage Blob Data Owner",
        ["8e3af657-a8ff-443c-a75c-2fe8c4bcb635"] = "Owner",
        ["b24988ac-6180-42a0-ab88-20f7382dd24c"] = "Contributor",
        ["17d1049b-9a84-46fb-8f53-869881c3d3ab"] = "Storage Account Contributor",
        ["81a9662b-bebf-436f-a333-f67b29880f12"] = "Storage Account Key Operator Service Role",
    };

    [Test]
    public async Task Main_template_compiles_offline_without_errors_or_warnings()
    {
        var build = await BicepCompiler.MainAsync();

        Assert.That(build.ExitCode, Is.Zero, build.Diagnostics);
        Assert.That(build.Problems, Is.Empty, build.Diagnostics);
        Assert.That(build.Template, Is.Not.Null);
        Assert.That((string?)build.Template!["$schema"], Does.Contain("subscriptionDeploymentTemplate"), "azd creates the resource group, so main.bicep targets the subscription.");
    }

    [Test]
    public async Task Resource_group_is_named_after_the_azd_environment()
    {
        var main = (await BicepCompiler.MainAsync()).Main;

        var group = main.OwnResources.Single(r => r.Type == "Microsoft.Resources/resourceGroups");
        Assert.That((string?)group.Json["name"], Is.EqualTo("[format('rg-{0}', parameters('environmentName'))]"));
        Assert.That((string?)main.Outputs["AZURE_RESOURCE_GROUP"]?["value"], Is.EqualTo((string?)group.Json["name"]));
    }

    [Test]
    public async Task Role_assignments_grant_blob_and_table_data_contributor_and_never_an_owner_role()
    {
        var main = (await BicepCompiler.MainAsync()).Main;

        var assignments = main.AllResources.Where(r => r.Type == "Microsoft.Authorization/roleAssignments").ToList();
        var roleIds = assignments.SelectMany(RoleIdsOf).ToHashSet();

        Assert.That(assignments, Is.Not.Empty);
        Assert.That(assignments, Has.All.Matches<ArmResource>(a => RoleIdsOf(a).Any()), "every assignment names a built-in role we can read");
        Assert.That(roleIds, Is.SupersetOf(new[] { StorageBlobDataContributor, StorageTableDataContributor, MonitoringMetricsPublisher }));
        foreach (var (id, name) in TooBroadRoles)
        {
            Assert.That(roleIds, Does.Not.Contain(id), $"{name} is assigned; Storage Blob Data Contributor covers the host and the app.");
        }
    }

    [Test]
    public async Task The_app_identity_gets_queue_access_only_when_asked_or_when_tasks_are_on()
    {
        var main = (await BicepCompiler.MainAsync()).Main;

        var assignments = main.AllResources.Where(r => r.Type == "Microsoft.Authorization/roleAssignments").ToList();
        var queueUses = assignments
            .SelectMany(a => a.Template.ReachableStrings(a.Lookup("properties.roleDefinitionId"))
                .Where(expression => QueueRoleVariables(a.Template).Any(v => expression.Contains($"variables('{v}')", StringComparison.Ordinal))))
            .ToList();

        Assert.That(queueUses, Is.Not.Empty, "the opt-in queue role is wired");
        Assert.That(queueUses, Has.All.Contains("if(parameters('grantQueueAccess')"));
        Assert.That(main.Resolve(main.Parameters["grantQueueAccess"]?["defaultValue"])?.GetValue<bool>(), Is.False);
        // main passes grantQueueAccess || enableTasks down, and tasks are on by default (azd up deploys with them).
        var dataAccess = main.OwnResources.Single(r => r.Type == "Microsoft.Resources/deployments" && (string?)r.Json["name"] == "data-access");
        var granted = dataAccess.Lookup("properties.parameters.grantQueueAccess.value")?.ToString();
        Assert.That(granted, Does.Contain("parameters('grantQueueAccess')").And.Contain("parameters('enableTasks')"));
        Assert.That(main.Resolve(main.Parameters["enableTasks"]?["defaultValue"])?.GetValue<bool>(), Is.True);
    }

    [Test]
    public async Task Storage_account_accepts_only_entra_id_over_tls_1_2_and_nothing_public()
    {
        var main = (await BicepCompiler.MainAsync()).Main;

        var account = main.AllResources.Single(r => r.Type == "Microsoft.Storage/storageAccounts" && !r.IsExisting);
        Assert.Multiple(() =>
        {
            Assert.That(account.Resolved("properties.allowSharedKeyAccess")?.GetValue<bool>(), Is.False);
            Assert.That(account.Resolved("properties.allowBlobPublicAccess")?.GetValue<bool>(), Is.False);
            Assert.That((string?)account.Resolved("properties.minimumTlsVersion"), Is.EqualTo("TLS1_2"));
            Assert.That(account.Resolved("properties.supportsHttpsTrafficOnly")?.GetValue<bool>(), Is.True);
            Assert.That((string?)account.Resolved("kind"), Is.EqualTo("StorageV2"));
        });
    }

    [Test]
    public async Task The_deployment_package_and_user_files_containers_exist_and_are_private()
    {
        var main = (await BicepCompiler.MainAsync()).Main;

        var containers = main.AllResources.Single(r => r.Type == "Microsoft.Storage/storageAccounts/blobServices/containers");
        var names = CopiedNames(containers);
        var app = FunctionApp(main);
        var packageContainer = (string?)app.Template.ResolveExpression("parameters('deploymentContainerName')");

        Assert.That(names, Does.Contain("mcp-files"));
        Assert.That(packageContainer, Is.Not.Null.And.Not.Empty);
        Assert.That(names, Does.Contain(packageContainer));
        Assert.That((string?)containers.Resolved("properties.publicAccess"), Is.EqualTo("None"));
    }

    [Test]
    public async Task Function_app_is_a_linux_flex_consumption_app_that_azd_deploys_as_service_api()
    {
        var main = (await BicepCompiler.MainAsync()).Main;

        var app = FunctionApp(main);
        var plan = main.AllResources.Single(r => r.Type == "Microsoft.Web/serverfarms");
        var serviceTag = AzdServiceTag().Match((string)app.Json["tags"]!);
        Assert.Multiple(() =>
        {
            Assert.That((string?)app.Json["kind"], Is.EqualTo("functionapp,linux"));
            Assert.That(serviceTag.Success, Is.True, "tags carry azd-service-name");
            Assert.That((string?)app.Template.ResolveExpression(serviceTag.Groups[1].Value), Is.EqualTo("api"), "azure.yaml names the service 'api'");
            Assert.That((string?)plan.Resolved("sku.name"), Is.EqualTo("FC1"));
            Assert.That((string?)plan.Resolved("sku.tier"), Is.EqualTo("FlexConsumption"));
            Assert.That(plan.Resolved("properties.reserved")?.GetValue<bool>(), Is.True);
            Assert.That(app.Resolved("properties.httpsOnly")?.GetValue<bool>(), Is.True);
            Assert.That((string?)app.Resolved("properties.siteConfig.minTlsVersion"), Is.EqualTo("1.2"));
            Assert.That((string?)app.Resolved("identity.type"), Is.EqualTo("UserAssigned"));
        });
    }

    [Test]
    public async Task Function_app_runs_dotnet_10_and_pulls_its_package_with_the_managed_identity()
    {
        var main = (await BicepCompiler.MainAsync()).Main;

        var app = FunctionApp(main);
        Assert.Multiple(() =>
        {
            Assert.That((string?)app.Resolved("properties.functionAppConfig.runtime.name"), Is.EqualTo("dotnet-isolated"));
            Assert.That((string?)app.Resolved("properties.functionAppConfig.runtime.version"), Is.EqualTo("10.0"), "must match net10.0, the handler is framework-dependent");
            Assert.That((string?)app.Resolved("properties.functionAppConfig.deployment.storage.type"), Is.EqualTo("blobContainer"));
            Assert.That((string?)app.Resolved("properties.functionAppConfig.deployment.storage.authentication.type"), Is.EqualTo("UserAssignedIdentity"));
            Assert.That((string?)app.Lookup("properties.functionAppConfig.deployment.storage.authentication.userAssignedIdentityResourceId"), Is.EqualTo("[parameters('identityId')]"));
            Assert.That(app.Resolved("properties.functionAppConfig.scaleAndConcurrency.instanceMemoryMB")?.GetValue<int>(), Is.EqualTo(2048));
            Assert.That(app.Resolved("properties.functionAppConfig.scaleAndConcurrency.maximumInstanceCount")?.GetValue<int>(), Is.InRange(40, 1000));
        });
    }

    [Test]
    public async Task App_settings_connect_storage_and_telemetry_with_the_identity_and_enable_the_mcp_preview()
    {
        var main = (await BicepCompiler.MainAsync()).Main;

        var app = FunctionApp(main);
        var settings = app.Template.ReachableObjectKeys(app.Lookup("properties.siteConfig")).ToHashSet();
        var values = app.Template.Resolve(app.Template.Variables.Single(v => v.Value is JsonObject o && o.ContainsKey("AzureWebJobsFeatureFlags")).Value)!;

        Assert.That(settings, Is.SupersetOf(new[]
        {
            "AzureWebJobsStorage__credential", "AzureWebJobsStorage__clientId", "AzureWebJobsStorage__blobServiceUri",
            "AzureWebJobsStorage__queueServiceUri", "AzureWebJobsStorage__tableServiceUri", "AzureWebJobsFeatureFlags",
            "APPLICATIONINSIGHTS_CONNECTION_STRING", "APPLICATIONINSIGHTS_AUTHENTICATION_STRING", "ASPNETCORE_ENVIRONMENT",
        }));
        Assert.Multiple(() =>
        {
            Assert.That((string?)values["AzureWebJobsStorage__credential"], Is.EqualTo("managedidentity"));
            Assert.That((string?)values["AzureWebJobsFeatureFlags"], Is.EqualTo("EnableMcpCustomHandlerPreview"));
            Assert.That((string?)values["ASPNETCORE_ENVIRONMENT"], Is.EqualTo("Production"));
            Assert.That(app.Template.ReachableStrings(app.Lookup("properties.siteConfig")), Has.Some.Contains("Authorization=AAD"));
        });
    }

    [Test]
    public async Task Settings_that_flex_consumption_replaced_or_that_need_keys_are_absent()
    {
        var build = await BicepCompiler.MainAsync();
        var text = build.Template!.ToJsonString();

        Assert.Multiple(() =>
        {
            Assert.That(text.Contains("FUNCTIONS_WORKER_RUNTIME", StringComparison.Ordinal), Is.False, "FUNCTIONS_WORKER_RUNTIME: functionAppConfig.runtime replaces it on Flex");
            Assert.That(text.Contains("WEBSITE_RUN_FROM_PACKAGE", StringComparison.Ordinal), Is.False, "WEBSITE_RUN_FROM_PACKAGE: Flex runs from the deployment container");
            Assert.That(text.Contains("listKeys(", StringComparison.Ordinal) || text.Contains("AccountKey=", StringComparison.Ordinal), Is.False, "a storage key reaches the app");
        });
    }

    [Test]
    public async Task Allowed_origins_become_indexed_settings_and_are_empty_by_default()
    {
        var main = (await BicepCompiler.MainAsync()).Main;

        var app = FunctionApp(main);
        var settings = app.Template.ReachableObjectKeys(app.Lookup("properties.siteConfig")).ToList();
        var expressions = app.Template.ReachableStrings(app.Lookup("properties.siteConfig")).ToList();

        // Hosting:AllowedOrigins is a string[]: a scalar Hosting__AllowedOrigins would be ignored by the binder.
        Assert.That(settings, Has.None.StartsWith("Hosting__AllowedOrigins"));
        Assert.That(expressions, Has.Some.Contains("'Hosting__AllowedOrigins__{0}'"));
        Assert.That(expressions, Has.Some.Contains("'Hosting__AllowedHosts__{0}'"));
        Assert.That((string?)main.Resolve(main.Parameters["allowedOrigins"]?["defaultValue"]), Is.Empty);
        Assert.That((string?)main.Resolve(main.Parameters["allowedHosts"]?["defaultValue"]), Is.Empty);
    }

    [Test]
    public async Task Application_insights_accepts_only_entra_authenticated_telemetry()
    {
        var main = (await BicepCompiler.MainAsync()).Main;

        var insights = main.AllResources.Single(r => r.Type == "Microsoft.Insights/components" && !r.IsExisting);
        var workspace = main.AllResources.Single(r => r.Type == "Microsoft.OperationalInsights/workspaces");

        Assert.That(insights.Resolved("properties.DisableLocalAuth")?.GetValue<bool>(), Is.True);
        Assert.That((string?)insights.Lookup("properties.WorkspaceResourceId"), Does.Contain("Microsoft.OperationalInsights/workspaces"));
        Assert.That(workspace.IsExisting, Is.False);
    }

    [TestCase("AZURE_FUNCTION_APP_NAME")]
    [TestCase("AZURE_FUNCTION_APP_HOSTNAME")]
    [TestCase("AZURE_FUNCTION_APP_IDENTITY_PRINCIPAL_ID")]
    [TestCase("AZURE_FUNCTION_APP_IDENTITY_CLIENT_ID")]
    [TestCase("AZURE_TENANT_ID")]
    [TestCase("AZURE_LOGIN_ENDPOINT")]
    [TestCase("SERVICE_API_NAME")]
    [TestCase("SERVICE_API_URI")]
    [TestCase("MCP_URL")]
    [TestCase("AZURE_STORAGE_ACCOUNT_NAME")]
    [TestCase("AZURE_RESOURCE_GROUP")]
    public async Task Azd_receives_the_output(string name)
    {
        var main = (await BicepCompiler.MainAsync()).Main;

        Assert.That(main.Outputs.ContainsKey(name), Is.True, $"output {name}");
        Assert.That((string?)main.Outputs[name]!["type"], Is.EqualTo("string"));
    }

    [Test]
    public async Task Mcp_url_is_the_https_app_uri_plus_mcp()
    {
        var main = (await BicepCompiler.MainAsync()).Main;

        var uri = (string)main.Module("api").Outputs["uri"]!["value"]!;
        Assert.That(uri, Does.StartWith("[format('https://{0}'").And.Contain("defaultHostName"));
        Assert.That((string?)main.Outputs["SERVICE_API_URI"]!["value"], Does.Contain("'api'").And.EndWith(".outputs.uri.value]"));
        Assert.That((string?)main.Outputs["MCP_URL"]!["value"], Does.StartWith("[format('{0}/mcp', ").And.Contain(".outputs.uri.value"));
    }

    [Test]
    public async Task Entra_sign_in_settings_use_the_managed_identity_as_credential_and_appear_only_with_a_client_id()
    {
        var build = await BicepCompiler.MainAsync();
        var main = build.Main;
        var api = main.Module("api");
        var passed = ApiModuleParameters(main);
        var entra = api.Variables.Single(v => v.Value is JsonObject o && o.ContainsKey("AzureAd__ClientId")).Value!.AsObject();

        Assert.Multiple(() =>
        {
            Assert.That((string?)entra["Auth__Mode"], Is.EqualTo("Entra"));
            Assert.That((string?)entra["AzureAd__Instance"], Is.EqualTo("[environment().authentication.loginEndpoint]"), "https://login.microsoftonline.com/ in the public cloud");
            Assert.That((string?)entra["AzureAd__ClientId"], Is.EqualTo("[parameters('entraClientId')]"));
            Assert.That((string?)entra["AzureAd__TenantId"], Is.EqualTo("[parameters('entraTenantId')]"));
            Assert.That((string?)entra["AzureAd__ClientCredentials__0__SourceType"], Is.EqualTo("SignedAssertionFromManagedIdentity"));
            Assert.That((string?)entra["AzureAd__ClientCredentials__0__ManagedIdentityClientId"], Is.EqualTo("[parameters('identityClientId')]"));
            Assert.That((string?)passed["identityClientId"]?["value"], Does.Contain("'identity'").And.Contain(".outputs.clientId.value"));

            // Nothing of it without the hook's client id: the app then fails closed (401), as before.
            Assert.That((string?)api.Variables["settings"], Does.Contain("if(empty(parameters('entraClientId')), createObject(), union(variables('entraSettings'), variables('tenantSettings'), variables('downstreamSettings')))"));

            // The downstream API (profile_get): Microsoft Graph of the cloud deployed to, with User.Read (the hook requests it).
            Assert.That((string?)api.Parameters["downstreamApiBaseUrl"]?["defaultValue"], Is.EqualTo("[format('{0}v1.0/', environment().graph)]"));
            Assert.That(api.Parameters["downstreamApiScopes"]?["defaultValue"]?.AsArray().Select(v => (string?)v), Is.EqualTo(new[] { "User.Read" }));
            Assert.That((string?)api.Variables["downstreamSettings"], Does.Contain("'DownstreamApi__Scopes__{0}'").And.Contain("DownstreamApi__BaseUrl"));
            Assert.That((string?)main.Resolve(main.Parameters["entraClientId"]?["defaultValue"]), Is.Empty);
            Assert.That((string?)passed["entraClientId"]?["value"], Is.EqualTo("[parameters('entraClientId')]"));

            // Auth:AllowedTenants is an array: indexed settings, the registration's tenant (default: the deployment's) first.
            Assert.That((string?)api.Variables["tenants"], Does.StartWith("[union(createArray(parameters('entraTenantId'))"));
            Assert.That((string?)api.Variables["tenantSettings"], Does.Contain("'Auth__AllowedTenants__{0}'"));
            Assert.That((string?)passed["entraTenantId"], Does.Contain("tenant().tenantId").And.Contain("parameters('entraTenantId')"));

            Assert.That(build.Template!.ToJsonString(), Does.Not.Contain("ClientSecret"), "the managed identity's federated credential replaces a secret");
        });
    }

    private static JsonObject ApiModuleParameters(ArmTemplate main) =>
        main.OwnResources.Single(r => r.Type == "Microsoft.Resources/deployments" && (string?)r.Json["name"] == "api").Json["properties"]!["parameters"]!.AsObject();

    private static ArmResource FunctionApp(ArmTemplate main) =>
        main.AllResources.Single(r => r.Type == "Microsoft.Web/sites" && !r.IsExisting);

    private static IEnumerable<string> RoleIdsOf(ArmResource assignment) =>
        assignment.Template.ReachableStrings(assignment.Lookup("properties.roleDefinitionId"))
            .Select(s => s.Trim())
            .Where(s => Guid.TryParseExact(s, "D", out _));

    private static IEnumerable<string> QueueRoleVariables(ArmTemplate template) =>
        template.Variables.Where(v => (string?)template.Resolve(v.Value) == StorageQueueDataContributor).Select(v => v.Key);

    /// <summary>The names a copy loop over <c>parameters('x')[copyIndex()]</c> creates.</summary>
    private static List<string?> CopiedNames(ArmResource resource)
    {
        var loop = CopyOverParameter().Match((string)resource.Json["name"]!);
        Assert.That(loop.Success, Is.True, "container names come from a parameter array");
        var values = resource.Template.ResolveExpression($"parameters('{loop.Groups[1].Value}')")?.AsArray();
        return values?.Select(v => (string?)v).ToList() ?? [];
    }

    [GeneratedRegex(@"createObject\('azd-service-name', ([^)]+\))\)")]
    private static partial Regex AzdServiceTag();

    [GeneratedRegex(@"parameters\('([^']+)'\)\[copyIndex\(\)\]")]
    private static partial Regex CopyOverParameter();
}
