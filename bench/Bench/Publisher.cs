using System.Diagnostics;

namespace McpFunctions.Bench;

/// <summary>Publishes a server the way it is deployed: <c>dotnet publish -c Release</c> (ReadyToRun, linux-x64).</summary>
internal static class Publisher
{
    public static async Task PublishAsync(string project, string name, bool readyToRun)
    {
        var clock = Stopwatch.StartNew();
        var output = RepoPaths.Published(name);
        var arguments = new List<string> { "publish", project, "-c", "Release", "-o", output, "-nologo", "-v", "quiet" };
        if (!readyToRun)
        {
            arguments.Add("-p:PublishReadyToRun=false");
        }

        var (exitCode, log) = await ChildProcess.RunAsync(ServerUnderTest.Dotnet, arguments, RepoPaths.Root, TimeSpan.FromMinutes(10));
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"dotnet {string.Join(' ', arguments)} failed ({exitCode}):\n{log}");
        }

        Console.WriteLine($"  published {project} -> bench/results/publish/{name}{(readyToRun ? "" : " (no ReadyToRun)")} in {clock.Elapsed.TotalSeconds:0.0} s");
    }
}
