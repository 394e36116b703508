namespace McpFunctions.Bench;

/// <summary>A published server and how to start it: <c>dotnet &lt;dll&gt;</c> in its publish folder, as the Functions host does.</summary>
/// <param name="PublishedAs">The publish folder's name when another server's build is run with other settings.</param>
internal sealed record ServerUnderTest(string Name, string Project, string AssemblyName, IReadOnlyDictionary<string, string> Environment, string? PublishedAs = null)
{
    public string PublishFolder => BenchPaths.Published(PublishedAs ?? Name);

    public string RuntimeConfigPath => Path.Combine(PublishFolder, AssemblyName + ".runtimeconfig.json");

    public static string Dotnet => System.Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    /// <summary>Prepares everything (runtimeconfig file, arguments) so that the returned launcher only starts the process.</summary>
    public Func<ChildProcess> Prepare(int port, RuntimeVariant variant)
    {
        var folder = variant.PublishFolder is null ? PublishFolder : BenchPaths.Published(variant.PublishFolder.Replace("{name}", Name));
        var arguments = new List<string>();
        if (variant.WriteRuntimeConfig(RuntimeConfigPath) is { } runtimeConfig)
        {
            arguments.AddRange(["exec", "--runtimeconfig", runtimeConfig]);
        }

        var program = variant.SelfContained ? Path.Combine(folder, AssemblyName) : Dotnet;
        if (!variant.SelfContained)
        {
            arguments.Add(Path.Combine(folder, AssemblyName + ".dll"));
        }

        arguments.AddRange(["--urls", $"http://127.0.0.1:{port}"]);
        var environment = Environment.ToDictionary(e => e.Key, e => (string?)e.Value);
        foreach (var (key, value) in variant.Environment)
        {
            environment[key] = value;
        }

        return () => ChildProcess.Start(program, arguments, folder, environment);
    }
}
