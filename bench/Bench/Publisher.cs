using System.Diagnostics;

namespace McpFunctions.Bench;

/// <summary>Publishes a server the way it is deployed: <c>dotnet publish -c Release</c> (ReadyToRun, linux-x64).</summary>
internal static class Publisher
{
    /// <summary>
    /// Publishes into bench/results/publish/<paramref name="name"/>. Each name gets its own artifacts folder, so a
    /// variant (no ReadyToRun, self-contained composite) never mixes intermediate files with another publish or with
    /// the developer's own bin/obj.
    /// </summary>
    public static async Task PublishAsync(string project, string name, params string[] properties)
    {
        var clock = Stopwatch.StartNew();
        var output = BenchPaths.Published(name);
        if (Directory.Exists(output))
        {
            Directory.Delete(output, recursive: true); // no leftovers from an earlier publish of other code
        }

        var arguments = new List<string>
        {
            "publish", project, "-c", "Release", "-o", output,
            "--artifacts-path", Path.Combine(BenchPaths.Results, "artifacts", name),
            "-nologo", "-v", "quiet",
        };
        arguments.AddRange(properties);

        var (exitCode, log) = await ChildProcess.RunAsync(ServerUnderTest.Dotnet, arguments, TimeSpan.FromMinutes(15), RepoPaths.Root);
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"dotnet {string.Join(' ', arguments)} failed ({exitCode}):\n{log}");
        }

        var extra = properties.Length == 0 ? "" : $" ({string.Join(' ', properties)})";
        Console.WriteLine($"  published {project} -> bench/results/publish/{name}{extra} in {clock.Elapsed.TotalSeconds:0.0} s");
    }
}
