namespace McpFunctions.Bench;

/// <summary>Where the benchmark writes: results and publish folders under bench/results (the root comes from the shared fixtures' <see cref="RepoPaths"/>).</summary>
internal static class BenchPaths
{
    public static string Results => Path.Combine(RepoPaths.Root, "bench", "results");

    public static string Published(string name) => Path.Combine(Results, "publish", name);
}
