namespace McpFunctions.Tests.Fixtures;

/// <summary>Locations inside the repository, found from the test assembly's folder.</summary>
public static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string NodeModulesBin => Path.Combine(Root, "node_modules", ".bin");

    public static string FunctionAppProject => Path.Combine(Root, "FunctionApp", "FunctionApp.csproj");

    public static string Combine(params string[] parts) => Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "McpFunctions.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Cannot find the repository root (McpFunctions.sln) above " + AppContext.BaseDirectory);
    }
}
