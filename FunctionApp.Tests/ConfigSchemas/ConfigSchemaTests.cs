using System.Text.Json;
using McpFunctions.Tests.Fixtures;

namespace McpFunctions.Tests.ConfigSchemas;

/// <summary>
/// host.json, local.settings.sample.json and azure.yaml against the schemas vendored in this folder, checked by
/// validate.mjs (ajv) with no network access; each schema also rejects a broken copy, so a pass means something.
/// </summary>
public sealed class ConfigSchemaTests
{
    private string _scratch = null!;

    [OneTimeSetUp]
    public async Task ValidatorIsInstalled()
    {
        _scratch = Directory.CreateTempSubdirectory("mcpfunctions-schemas-").FullName;
        foreach (var package in new[] { "ajv", "ajv-draft-04", "ajv-formats", "yaml" })
        {
            await NpmTools.PackageAsync(package);
        }
    }

    [OneTimeTearDown]
    public void DeleteScratch() => Directory.Delete(_scratch, recursive: true);

    [TestCase("host", "host.json")]
    [TestCase("local-settings", "local.settings.sample.json")]
    [TestCase("azure-yaml", "azure.yaml")]
    public async Task The_repository_file_matches_its_schema(string kind, string file)
    {
        var result = await ValidateAsync(kind, RepoPaths.Combine(file));

        Assert.That(result.Errors, Is.Empty);
        Assert.That(result.Valid, Is.True);
    }

    [Test]
    public async Task The_host_json_schema_rejects_an_unknown_authorization_level()
    {
        var broken = File.ReadAllText(RepoPaths.Combine("host.json")).Replace("\"anonymous\"", "\"everyone\"", StringComparison.Ordinal);

        var result = await ValidateAsync("host", Scratch("host.json", broken));

        Assert.That(result.Valid, Is.False);
        Assert.That(result.Errors, Has.Some.Contains("/customHandler/http/defaultAuthorizationLevel"));
    }

    [Test]
    public async Task The_local_settings_schema_rejects_an_unknown_worker_runtime()
    {
        var broken = File.ReadAllText(RepoPaths.Combine("local.settings.sample.json")).Replace("\"custom\"", "\"cobol\"", StringComparison.Ordinal);

        var result = await ValidateAsync("local-settings", Scratch("local.settings.json", broken));

        Assert.That(result.Valid, Is.False);
        Assert.That(result.Errors, Has.Some.Contains("/Values/FUNCTIONS_WORKER_RUNTIME"));
    }

    [Test]
    public async Task The_azure_yaml_schema_rejects_a_service_without_a_host()
    {
        var broken = string.Join('\n', File.ReadAllLines(RepoPaths.Combine("azure.yaml")).Where(l => !l.TrimStart().StartsWith("host:", StringComparison.Ordinal)));

        var result = await ValidateAsync("azure-yaml", Scratch("azure.yaml", broken));

        Assert.That(result.Valid, Is.False);
        Assert.That(result.Errors, Has.Some.Contains("'host'"));
    }

    [Test]
    public void The_vendored_schemas_are_the_upstream_bytes()
    {
        // Git blob ids from README.md (and shared/schemas/SOURCES.md): a changed byte changes the id.
        var expected = new Dictionary<string, string>
        {
            ["host.json.schema.json"] = "c95ae89244527f754d6645a7bdbff9b03095a3c4",
            ["local.settings.schema.json"] = "71f04d4dd9fbd69dd6fa8f26d5055ac8d654d687",
            ["azure.yaml.schema.json"] = "f7a7c9b5895676bdb4d5743737efe53db32e37b6",
        };

        foreach (var (file, blob) in expected)
        {
            Assert.That(GitBlobId(File.ReadAllBytes(SchemaFolder(file))), Is.EqualTo(blob), file);
        }
    }

    private static string SchemaFolder(string file) => RepoPaths.Combine("FunctionApp.Tests", "ConfigSchemas", file);

    private string Scratch(string name, string content)
    {
        var path = Path.Combine(_scratch, Guid.NewGuid().ToString("N")[..8] + "-" + name);
        File.WriteAllText(path, content);
        return path;
    }

    private static async Task<(bool Valid, IReadOnlyList<string> Errors)> ValidateAsync(string kind, string file)
    {
        await using var node = await ChildProcess.RunToExitAsync("node", [SchemaFolder("validate.mjs"), kind, file], TimeSpan.FromSeconds(60));
        Assert.That(node.ExitCode, Is.AnyOf(0, 1), $"validate.mjs could not check {file}:\n{node.Output}");
        using var report = JsonDocument.Parse(node.StandardOutput);
        var errors = report.RootElement.GetProperty("errors").EnumerateArray()
            .Select(e => $"{e.GetProperty("path").GetString()}: {e.GetProperty("message").GetString()} {e.GetProperty("params")}")
            .ToList();
        var valid = report.RootElement.GetProperty("valid").GetBoolean();
        Assert.That(node.ExitCode == 0, Is.EqualTo(valid), "exit code and report disagree");
        return (valid, errors);
    }

    private static string GitBlobId(byte[] content)
    {
        var header = System.Text.Encoding.ASCII.GetBytes($"blob {content.Length}\0");
#pragma warning disable CA5350 // SHA-1 here is git's object id, not a security measure.
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA1.HashData([.. header, .. content]));
#pragma warning restore CA5350
    }
}
