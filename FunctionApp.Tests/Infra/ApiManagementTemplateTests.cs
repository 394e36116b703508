using System.Xml.Linq;

namespace McpFunctions.Tests.Infra;

/// <summary>
/// The optional API Management gateway (infra/app/apim.bicep) in the compiled main template: off unless asked for, a
/// tier that has rate-limit-by-key, every request forwarded to the function app, and a policy that limits per caller.
/// </summary>
public sealed class ApiManagementTemplateTests
{
    [Test]
    public async Task The_gateway_compiles_and_is_deployed_only_when_enabled()
    {
        var build = await BicepCompiler.MainAsync();
        var main = build.Main;

        var deployment = main.OwnResources.Single(r => r.Type == "Microsoft.Resources/deployments" && (string?)r.Json["name"] == "apim");

        Assert.That(build.Problems, Is.Empty, build.Diagnostics);
        Assert.That((string?)deployment.Json["condition"], Is.EqualTo("[parameters('enableApiManagement')]"));
        Assert.That(main.Resolve(main.Parameters["enableApiManagement"]?["defaultValue"])?.GetValue<bool>(), Is.False);
        Assert.That((string?)main.Outputs["API_MANAGEMENT_GATEWAY_URL"]?["value"], Does.StartWith("[if(parameters('enableApiManagement')"), "azd gets the gateway URL only when there is one");
    }

    [Test]
    public async Task The_tier_offers_rate_limit_by_key_so_consumption_is_not_allowed()
    {
        var main = (await BicepCompiler.MainAsync()).Main;
        var apim = main.Module("apim");

        var service = apim.OwnResources.Single(r => r.Type == "Microsoft.ApiManagement/service");
        var allowed = main.Parameters["apiManagementSku"]!["allowedValues"]!.AsArray().Select(v => (string?)v).ToList();

        Assert.That((string?)service.Resolved("sku.name"), Is.EqualTo("BasicV2"));
        Assert.That(allowed, Does.Not.Contain("Consumption"), "rate-limit-by-key is not offered on the Consumption tier");
    }

    [Test]
    public async Task Every_method_and_path_is_forwarded_to_the_function_app_without_subscription_keys()
    {
        var main = (await BicepCompiler.MainAsync()).Main;
        var apim = main.Module("apim");

        var api = apim.OwnResources.Single(r => r.Type == "Microsoft.ApiManagement/service/apis");
        var operations = apim.OwnResources.Single(r => r.Type == "Microsoft.ApiManagement/service/apis/operations");
        var methods = apim.ReachableStrings(operations.Json).ToList();
        var backend = (string?)main.OwnResources.Single(r => (string?)r.Json["name"] == "apim").Lookup("properties.parameters.backendUrl.value");

        Assert.Multiple(() =>
        {
            Assert.That((string?)api.Lookup("properties.serviceUrl"), Is.EqualTo("[parameters('backendUrl')]"));
            Assert.That(backend, Does.Contain("'api'").And.Contain("outputs.uri.value"), "the backend is the function app's URL");
            Assert.That((string?)api.Resolved("properties.path"), Is.Empty, "the gateway serves the app's paths at its root (/.well-known, /mcp)");
            Assert.That(api.Resolved("properties.subscriptionRequired")?.GetValue<bool>(), Is.False, "the app authenticates callers itself");
            Assert.That((string?)operations.Resolved("properties.urlTemplate"), Is.EqualTo("/*"));
            Assert.That(methods, Is.SupersetOf(new[] { "GET", "POST", "DELETE", "OPTIONS" }));
        });
    }

    [Test]
    public async Task The_policy_limits_each_caller_by_key_and_streams_responses_unbuffered()
    {
        var main = (await BicepCompiler.MainAsync()).Main;
        var apim = main.Module("apim");

        var policy = apim.OwnResources.Single(r => r.Type == "Microsoft.ApiManagement/service/apis/policies");
        var text = apim.ReachableStrings(policy.Lookup("properties.value")).Single(s => s.Contains("<policies>", StringComparison.Ordinal));
        var xml = XDocument.Parse(text.Replace("{calls-per-minute}", "1200", StringComparison.Ordinal));
        var limit = xml.Descendants("rate-limit-by-key").Single();
        var forward = xml.Descendants("forward-request").Single();

        Assert.Multiple(() =>
        {
            Assert.That((string?)policy.Lookup("properties.value"), Does.Contain("{calls-per-minute}").And.Contain("parameters('callsPerMinute')"));
            Assert.That(limit.Parent?.Name.LocalName, Is.EqualTo("inbound"));
            Assert.That((string?)limit.Attribute("renewal-period"), Is.EqualTo("60"));
            Assert.That((string?)limit.Attribute("counter-key"), Does.Contain("\"Authorization\"").And.Contain("context.Request.IpAddress"));
            Assert.That((string?)forward.Attribute("buffer-response"), Is.EqualTo("false"), "server-sent events must not be buffered");
            Assert.That(apim.Resolve(apim.Parameters["callsPerMinute"]?["defaultValue"])?.GetValue<int>(), Is.GreaterThan(0));
        });
    }
}
