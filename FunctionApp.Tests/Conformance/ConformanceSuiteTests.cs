using McpFunctions.Tests.Fixtures;

namespace McpFunctions.Tests.Conformance;

/// <summary>
/// The official MCP conformance suites, run against the real app (fixtures on, Development) on a loopback port:
/// every scenario goes through the production middleware, session entity, event store and storage.
/// </summary>
[NonParallelizable]
public sealed class ConformanceSuiteTests
{
    /// <summary>0.1.16, <c>--suite all</c>: the 30 active scenarios plus the pending two. All at 2025-11-25, with sessions.</summary>
    public static readonly string[] Sessions2025 =
    [
        "server-initialize", "logging-set-level", "ping", "completion-complete", "tools-list",
        "tools-call-simple-text", "tools-call-image", "tools-call-audio", "tools-call-embedded-resource",
        "tools-call-mixed-content", "tools-call-with-logging", "tools-call-error", "tools-call-with-progress",
        "tools-call-sampling", "tools-call-elicitation", "json-schema-2020-12", "elicitation-sep1034-defaults",
        "server-sse-polling", "server-sse-multiple-streams", "elicitation-sep1330-enums", "resources-list",
        "resources-read-text", "resources-read-binary", "resources-templates-read", "resources-subscribe",
        "resources-unsubscribe", "prompts-list", "prompts-get-simple", "prompts-get-with-args",
        "prompts-get-embedded-resource", "prompts-get-with-image", "dns-rebinding-protection",
    ];

    /// <summary>0.2.0-alpha.12, <c>--requirements 2026-07-28</c>: the scored (frozen) server set, stateless.</summary>
    public static readonly string[] Stateless2026 =
    [
        "server-stateless", "completion-complete", "tools-list", "tools-call-simple-text", "tools-call-image",
        "tools-call-audio", "tools-call-embedded-resource", "tools-call-mixed-content", "tools-call-error",
        "tools-call-with-progress", "server-sse-multiple-streams", "resources-list", "resources-read-text",
        "resources-read-binary", "resources-templates-read", "sep-2164-resource-not-found", "prompts-list",
        "prompts-get-simple", "prompts-get-with-args", "prompts-get-embedded-resource", "prompts-get-with-image",
        "dns-rebinding-protection", "caching", "input-required-result-basic-elicitation",
        "input-required-result-basic-sampling", "input-required-result-basic-list-roots",
        "input-required-result-request-state", "input-required-result-multiple-input-requests",
        "input-required-result-multi-round", "input-required-result-missing-input-response",
        "input-required-result-non-tool-request", "input-required-result-result-type",
        "input-required-result-unsupported-methods", "input-required-result-tampered-state",
        "input-required-result-capability-check", "input-required-result-ignore-extra-params",
        "input-required-result-validate-input",
    ];

    /// <summary>Run but not scored by the 2026-07-28 requirements (pending SEPs); held to passing anyway.</summary>
    public static readonly string[] Unscored2026 = ["json-schema-2020-12", "http-header-validation", "http-custom-header-server-validation"];

    /// <summary>
    /// The tasks extension's scenarios (SEP-2663), run by <c>--requirements 2026-07-28</c> as not scored (an extension).
    /// <c>tasks-status-notifications</c> is left out: it always reports SKIPPED and sends nothing.
    /// </summary>
    public static readonly string[] Tasks2026 =
    [
        "tasks-lifecycle", "tasks-capability-negotiation", "tasks-wire-fields", "tasks-request-state-removal",
        "tasks-mrtr-input", "tasks-request-headers", "tasks-dispatch-and-envelope", "tasks-required-task-error",
        "tasks-mrtr-composition",
    ];

    private static Task<(ConformanceRun V2025, ConformanceRun V2026)>? _runs;

    [Test]
    public async Task The_2025_11_25_suite_exits_cleanly_and_runs_every_scenario()
    {
        var (run, _) = await RunsAsync();
        Assert.That(run.Scenarios, Is.SupersetOf(Sessions2025), run.Output);
        Assert.That(run.ExitCode, Is.Zero, run.Output);
    }

    [Test]
    public async Task The_2026_07_28_requirements_exit_cleanly_and_run_every_scored_scenario()
    {
        var (_, run) = await RunsAsync();
        Assert.That(run.Scenarios, Is.SupersetOf(Stateless2026.Concat(Unscored2026).Concat(Tasks2026)), run.Output);
        Assert.That(run.ExitCode, Is.Zero, run.Output);
    }

    [TestCaseSource(nameof(Sessions2025))]
    public async Task Scenario_passes_at_2025_11_25(string scenario) => (await RunsAsync()).V2025.AssertPassed(scenario);

    [TestCaseSource(nameof(Stateless2026))]
    public async Task Scenario_passes_at_2026_07_28(string scenario) => (await RunsAsync()).V2026.AssertPassed(scenario);

    [TestCaseSource(nameof(Unscored2026))]
    public async Task Unscored_scenario_passes_at_2026_07_28(string scenario) => (await RunsAsync()).V2026.AssertPassed(scenario);

    [TestCaseSource(nameof(Tasks2026))]
    public async Task Tasks_scenario_passes_at_2026_07_28(string scenario) => (await RunsAsync()).V2026.AssertPassed(scenario);

    [OneTimeTearDown]
    public static async Task StopAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }

    private static AppProcess? _app;

    /// <summary>Both suites run once, against one app process with the fixtures on; every test reads their results.</summary>
    private static Task<(ConformanceRun V2025, ConformanceRun V2026)> RunsAsync() => _runs ??= RunBothAsync();

    private static async Task<(ConformanceRun, ConformanceRun)> RunBothAsync()
    {
        _app = await AppProcess.StartAsync(new Dictionary<string, string?>
        {
            ["Mcp__ConformanceFixtures"] = "true",
            ["Tasks__Enabled"] = "true",
            ["Tasks__HubName"] = "conformance" + Guid.NewGuid().ToString("N")[..12],
        });
        var url = new Uri(_app.BaseAddress, "/mcp");
        var sessions = await ConformanceRun.RunAsync("conformance-2025", url, "--suite", "all");
        var stateless = await ConformanceRun.RunAsync("conformance-2026", url, "--requirements", "2026-07-28");
        return (sessions, stateless);
    }
}
