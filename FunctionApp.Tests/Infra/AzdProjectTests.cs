using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using McpFunctions.Tests.Fixtures;

namespace McpFunctions.Tests.Infra;

/// <summary>The files azd reads beside main.bicep: main.parameters.json and the module references.</summary>
public sealed partial class AzdProjectTests
{
    [Test]
    public async Task Parameters_file_feeds_the_azd_environment_into_parameters_the_template_declares()
    {
        var main = (await BicepCompiler.MainAsync()).Main;
        var file = JsonNode.Parse(await File.ReadAllTextAsync(RepoPaths.Combine("infra", "main.parameters.json")))!;
        var parameters = file["parameters"]!.AsObject();

        Assert.That(parameters.Select(p => p.Key), Is.SubsetOf(main.Parameters.Select(p => p.Key)), "a misspelt name would be ignored by azd and fail the deployment");
        Assert.Multiple(() =>
        {
            Assert.That((string?)parameters["environmentName"]?["value"], Is.EqualTo("${AZURE_ENV_NAME}"));
            Assert.That((string?)parameters["location"]?["value"], Is.EqualTo("${AZURE_LOCATION}"));
            Assert.That((string?)parameters["principalId"]?["value"], Is.EqualTo("${AZURE_PRINCIPAL_ID}"));
        });

        // azd passes the template default when a referenced variable is unset or empty, unless there is none.
        var optional = parameters.Where(p => p.Key is not ("environmentName" or "location")).Select(p => p.Key);
        Assert.That(optional, Has.All.Matches<string>(name => main.Parameters[name]!.AsObject().ContainsKey("defaultValue")));
    }

    [Test]
    public void Every_module_is_a_local_file_so_nothing_is_fetched_from_a_registry()
    {
        var infra = RepoPaths.Combine("infra");
        var references = Directory.EnumerateFiles(infra, "*.bicep", SearchOption.AllDirectories)
            .SelectMany(file => ModuleOrImport().Matches(File.ReadAllText(file)).Select(m => (File: file, Path: m.Groups[1].Value)))
            .ToList();

        Assert.That(references, Is.Not.Empty);
        Assert.That(references.Select(r => r.Path), Has.None.Match("^(br|ts)[:/]"));
        Assert.That(references, Has.All.Matches<(string File, string Path)>(r => File.Exists(Path.Combine(Path.GetDirectoryName(r.File)!, r.Path))));
    }

    [Test]
    public void Azure_yaml_service_api_is_the_function_app_project()
    {
        var yaml = new YamlDotNet.Serialization.DeserializerBuilder().Build()
            .Deserialize<Dictionary<string, object>>(File.ReadAllText(RepoPaths.Combine("azure.yaml")));
        var api = (Dictionary<object, object>)((Dictionary<object, object>)yaml["services"])["api"];

        Assert.That(api["host"], Is.EqualTo("function"));
        Assert.That(api["language"], Is.EqualTo("dotnet"));
        Assert.That(File.Exists(RepoPaths.Combine(((string)api["project"]).TrimStart('.', '/'), "FunctionApp.csproj")), Is.True);
    }

    [TestCase("preprovision")]
    [TestCase("postprovision")]
    public void Azure_yaml_runs_the_entra_app_hook_around_provisioning(string hook)
    {
        var yaml = new YamlDotNet.Serialization.DeserializerBuilder().Build()
            .Deserialize<Dictionary<string, object>>(File.ReadAllText(RepoPaths.Combine("azure.yaml")));
        var config = (Dictionary<object, object>)((Dictionary<object, object>)yaml["hooks"])[hook];

        // A `run` with arguments is an inline script to azd, which then needs the shell named.
        Assert.That(config["shell"], Is.EqualTo("sh"));
        Assert.That(config["run"], Is.EqualTo($"bash ./infra/hooks/entra-app.sh {hook}"));
        Assert.That(config.TryGetValue("continueOnError", out var goOn) ? goOn : "false", Is.EqualTo("false"), "provisioning without the app registration would leave sign-in broken");
        Assert.That(File.Exists(RepoPaths.Combine("infra", "hooks", "entra-app.sh")), Is.True);
    }

    [GeneratedRegex(@"^\s*(?:module\s+\w+|import\b.*\bfrom)\s+'([^']+)'", RegexOptions.Multiline)]
    private static partial Regex ModuleOrImport();
}
