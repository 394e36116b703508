using System.Reflection;

namespace McpFunctions.Tests.Fixtures;

/// <summary>The app as built alongside these tests: FunctionApp/bin/{Configuration}/net10.0, the folder run.sh starts `func` in.</summary>
public static class BuildOutput
{
    public const string AppFileName = "McpFunctions.dll";

    /// <summary>Debug or Release: whatever this test assembly was built as, since the solution builds both projects together.</summary>
    public static string Configuration { get; } =
        typeof(BuildOutput).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration
        ?? throw new InvalidOperationException("The test assembly has no AssemblyConfiguration attribute.");

    public static string Folder => RepoPaths.Combine("FunctionApp", "bin", Configuration, "net10.0");

    public static string App => Path.Combine(Folder, AppFileName);
}
