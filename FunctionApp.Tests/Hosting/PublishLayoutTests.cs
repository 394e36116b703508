using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using McpFunctions.Tests.Fixtures;

namespace McpFunctions.Tests.Hosting;

/// <summary>
/// What `azd deploy` zips (the Release publish folder) and what `func start` runs from (the build folder) must be
/// a complete custom handler: host.json at the root, naming an executable and an app file that are there.
/// </summary>
public sealed partial class PublishLayoutTests
{
    private static readonly string WorkFolder = Path.Combine(Path.GetTempPath(), "mcpfunctions-publish-" + Guid.NewGuid().ToString("N")[..8]);

    private string _publishFolder = null!;

    [OneTimeSetUp]
    public async Task PublishOnce()
    {
        _publishFolder = await PublishAsync();
    }

    [OneTimeTearDown]
    public void DeletePublishFolder()
    {
        try
        {
            Directory.Delete(WorkFolder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Test]
    public void Host_json_is_at_the_root_of_the_publish_output()
    {
        Assert.That(File.Exists(Path.Combine(_publishFolder, "host.json")), Is.True);
    }

    [Test]
    public void Host_json_starts_the_published_app_with_dotnet()
    {
        using var host = ReadHostJson(_publishFolder);
        var description = host.RootElement.GetProperty("customHandler").GetProperty("description");

        Assert.That(description.GetProperty("defaultExecutablePath").GetString(), Is.EqualTo("dotnet"));
        var app = description.GetProperty("arguments")[0].GetString();
        Assert.That(app, Is.EqualTo(BuildOutput.AppFileName));
        Assert.That(File.Exists(Path.Combine(_publishFolder, app!)), Is.True, $"{app} is not in the publish output");
        Assert.That(File.Exists(Path.Combine(_publishFolder, "McpFunctions.runtimeconfig.json")), Is.True, "dotnet cannot run the app without it");
    }

    [Test]
    public void Host_json_selects_the_MCP_custom_handler_profile_with_anonymous_HTTP_at_the_root()
    {
        using var host = ReadHostJson(_publishFolder);
        var root = host.RootElement;

        Assert.That(root.GetProperty("configurationProfile").GetString(), Is.EqualTo("mcp-custom-handler"));
        Assert.That(root.GetProperty("customHandler").GetProperty("http").GetProperty("defaultAuthorizationLevel").GetString(), Is.EqualTo("anonymous"));
        Assert.That(root.GetProperty("extensions").GetProperty("http").GetProperty("routePrefix").GetString(), Is.Empty);
    }

    [Test]
    public void Host_json_hard_codes_no_port()
    {
        // The host picks the port and passes it in FUNCTIONS_CUSTOMHANDLER_PORT; a fixed one breaks on Flex Consumption.
        using var host = ReadHostJson(_publishFolder);

        var portProperties = Properties(host.RootElement).Where(p => PortName().IsMatch(p.Name)).Select(p => p.Path).ToList();
        var arguments = host.RootElement.GetProperty("customHandler").GetProperty("description").GetProperty("arguments")
            .EnumerateArray().Select(a => a.GetString() ?? "").ToList();

        Assert.That(portProperties, Is.Empty);
        Assert.That(arguments, Has.None.Match("(?i)urls|port|:[0-9]+"));
    }

    [Test]
    public void Local_settings_json_is_not_published()
    {
        // PublishAsync puts a local.settings.json beside host.json first, as run.sh does, so this is a real check.
        Assert.That(File.Exists(Path.Combine(_publishFolder, "local.settings.json")), Is.False);
    }

    [Test]
    public async Task The_publish_folder_starts_the_way_the_Functions_host_starts_it()
    {
        using var host = ReadHostJson(_publishFolder);
        var description = host.RootElement.GetProperty("customHandler").GetProperty("description");
        var arguments = description.GetProperty("arguments").EnumerateArray().Select(a => a.GetString()!).ToList();
        var workingDirectory = description.GetProperty("workingDirectory").GetString();
        var port = FreePort.Next();

        await using var app = ChildProcess.Start(description.GetProperty("defaultExecutablePath").GetString()!, arguments,
            string.IsNullOrEmpty(workingDirectory) ? _publishFolder : Path.Combine(_publishFolder, workingDirectory),
            new Dictionary<string, string?>
            {
                ["FUNCTIONS_CUSTOMHANDLER_PORT"] = port.ToString(),
                ["AzureWebJobsStorage"] = TestRun.Azurite.ConnectionString,
                ["ASPNETCORE_ENVIRONMENT"] = null, // Production, as in Azure
                ["ASPNETCORE_URLS"] = null,
            });
        await FreePort.WaitUntilListeningAsync(port, TimeSpan.FromSeconds(60), () => app.HasExited);

        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(15) };
        using var root = await http.GetAsync("/");
        using var health = await http.GetAsync("/healthz");

        Assert.That(root.StatusCode, Is.EqualTo(HttpStatusCode.OK), app.Output);
        Assert.That(health.StatusCode, Is.EqualTo(HttpStatusCode.OK), app.Output);
    }

    [Test]
    public void The_build_folder_that_func_start_runs_in_has_host_json_and_the_app()
    {
        Assert.That(File.Exists(BuildOutput.App), Is.True, BuildOutput.App);
        var hostJson = Path.Combine(BuildOutput.Folder, "host.json");
        Assert.That(File.Exists(hostJson), Is.True, hostJson);
        Assert.That(File.ReadAllText(hostJson), Is.EqualTo(File.ReadAllText(RepoPaths.Combine("host.json"))));
    }

    private static JsonDocument ReadHostJson(string folder) => JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "host.json")));

    private static IEnumerable<(string Name, string Path)> Properties(JsonElement element, string path = "")
    {
        if (element.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in element.EnumerateObject())
            {
                yield return (property.Name, $"{path}/{property.Name}");
                foreach (var inner in Properties(property.Value, $"{path}/{property.Name}"))
                {
                    yield return inner;
                }
            }
        }
        else if (element.ValueKind == JsonValueKind.Array)
        {
            var index = 0;
            foreach (var item in element.EnumerateArray())
            {
                foreach (var inner in Properties(item, $"{path}/{index++}"))
                {
                    yield return inner;
                }
            }
        }
    }

    /// <summary>"port", "Port", "httpPort", "LocalHttpPort"; not "report" or "supports".</summary>
    [GeneratedRegex("^(port|Port|.*[a-z]Port)$")]
    private static partial Regex PortName();

    /// <summary>
    /// Publishes a copy of the checkout (top-level files and FunctionApp/ without bin/obj), so the working tree's
    /// obj/ (restored without a runtime identifier) is not rewritten while other tests run the built app.
    /// </summary>
    private static async Task<string> PublishAsync()
    {
        var source = Path.Combine(WorkFolder, "src");
        var output = Path.Combine(WorkFolder, "out");
        Directory.CreateDirectory(source);
        foreach (var file in Directory.EnumerateFiles(RepoPaths.Root).Where(f => !Path.GetFileName(f).StartsWith('.')))
        {
            File.Copy(file, Path.Combine(source, Path.GetFileName(file)));
        }

        CopyFolder(RepoPaths.Combine("FunctionApp"), Path.Combine(source, "FunctionApp"));
        if (!File.Exists(Path.Combine(source, "local.settings.json")))
        {
            File.Copy(RepoPaths.Combine("local.settings.sample.json"), Path.Combine(source, "local.settings.json"));
        }

        var clock = Stopwatch.StartNew();
        var (exitCode, log) = await ChildProcess.RunAsync("dotnet",
            ["publish", Path.Combine("FunctionApp", "FunctionApp.csproj"), "-c", "Release", "-o", output, "-nologo"],
            TimeSpan.FromMinutes(10), source);
        TestContext.Progress.WriteLine($"dotnet publish took {clock.Elapsed.TotalSeconds:F0} s");
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"dotnet publish failed (exit {exitCode}):\n{log}");
        }

        return output;
    }

    private static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }

        foreach (var folder in Directory.EnumerateDirectories(from))
        {
            var name = Path.GetFileName(folder);
            if (name is not ("bin" or "obj"))
            {
                CopyFolder(folder, Path.Combine(to, name));
            }
        }
    }
}
