using System.Text.Json.Nodes;

namespace McpFunctions.Bench;

/// <summary>
/// One way of starting a published server: runtimeconfig.json properties to override (what a csproj setting
/// such as &lt;ServerGarbageCollection&gt; would write), environment variables, or a different publish folder.
/// </summary>
internal sealed record RuntimeVariant(string Name, string Description)
{
    public static RuntimeVariant AsPublished { get; } = new("as-published", "as published: ReadyToRun, TieredCompilation + TieredPGO, workstation GC, invariant globalization");

    public IReadOnlyDictionary<string, JsonNode> ConfigProperties { get; init; } = new Dictionary<string, JsonNode>();

    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>Publish folder name under bench/results/publish to use instead of the server's own.</summary>
    public string? PublishFolder { get; init; }

    /// <summary>The publish folder holds a self-contained app, started through its own executable rather than <c>dotnet</c>.</summary>
    public bool SelfContained { get; init; }

    /// <summary>The variants tried for cold start; the first is the baseline.</summary>
    public static IReadOnlyList<RuntimeVariant> ColdStartSet(bool all)
    {
        var set = new List<RuntimeVariant>
        {
            AsPublished,
            new("no-tiered-pgo", "TieredPGO off (<TieredPGO>false</TieredPGO>)") { ConfigProperties = Props(("System.Runtime.TieredPGO", false)) },
            new("tc-quickjitforloops-off", "methods with loops fully optimized at first JIT (<TieredCompilationQuickJitForLoops>false</...>)") { ConfigProperties = Props(("System.Runtime.TieredCompilation.QuickJitForLoops", false)) },
            new("no-tiered-compilation", "tiered compilation off: every JIT is fully optimizing (<TieredCompilation>false</TieredCompilation>)") { ConfigProperties = Props(("System.Runtime.TieredCompilation", false)) },
            new("server-gc", "Server GC, the web SDK's default (<ServerGarbageCollection>true</ServerGarbageCollection>)") { ConfigProperties = Props(("System.GC.Server", true)) },
            new("gc-nonconcurrent", "workstation GC without the background GC thread (<ConcurrentGarbageCollection>false</...>)") { ConfigProperties = Props(("System.GC.Concurrent", false)) },
            new("icu-globalization", "ICU globalization instead of invariant (<InvariantGlobalization>false</InvariantGlobalization>)") { ConfigProperties = Props(("System.Globalization.Invariant", false)) },
            new("readytorun-disabled", "all ReadyToRun code ignored, app and framework (DOTNET_ReadyToRun=0): what precompilation is worth") { Environment = new Dictionary<string, string> { ["DOTNET_ReadyToRun"] = "0" } },
        };

        if (all)
        {
            set.Add(new("app-not-readytorun", "the app published without ReadyToRun (framework still precompiled)") { PublishFolder = "{name}-jit" });
            set.Add(new("self-contained-composite", "self-contained, app + framework compiled into one composite ReadyToRun image (<SelfContained>true</SelfContained> <PublishReadyToRunComposite>true</...>)")
            {
                PublishFolder = "{name}-composite",
                SelfContained = true,
            });
            set.Add(new("tc-background-delay-0", "tier-1 promotion without the 100 ms call-counting delay (DOTNET_TC_CallCountingDelayMs=0)") { Environment = new Dictionary<string, string> { ["DOTNET_TC_CallCountingDelayMs"] = "0" } });
        }

        return set;
    }

    /// <summary>Writes this variant's runtimeconfig.json beside the results, or returns null when the published one applies.</summary>
    public string? WriteRuntimeConfig(string publishedRuntimeConfig)
    {
        if (ConfigProperties.Count == 0)
        {
            return null;
        }

        var root = JsonNode.Parse(File.ReadAllText(publishedRuntimeConfig))!.AsObject();
        var properties = root["runtimeOptions"]!["configProperties"]!.AsObject();
        foreach (var (key, value) in ConfigProperties)
        {
            properties[key] = value.DeepClone();
        }

        var folder = Path.Combine(BenchPaths.Results, "runtimeconfig");
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, $"{Path.GetFileNameWithoutExtension(Path.GetFileNameWithoutExtension(publishedRuntimeConfig))}.{Name}.runtimeconfig.json");
        File.WriteAllText(path, root.ToJsonString());
        return path;
    }

    private static Dictionary<string, JsonNode> Props(params (string Key, bool Value)[] values) =>
        values.ToDictionary(v => v.Key, v => (JsonNode)JsonValue.Create(v.Value));
}
