namespace McpFunctions.Bench;

/// <summary>Locations in the repository, found by walking up to McpFunctions.sln.</summary>
internal static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string Results => Path.Combine(Root, "bench", "results");

    public static string Published(string name) => Path.Combine(Results, "publish", name);

    private static string FindRoot()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "McpFunctions.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        throw new InvalidOperationException("Cannot find the repository root (McpFunctions.sln).");
    }
}
