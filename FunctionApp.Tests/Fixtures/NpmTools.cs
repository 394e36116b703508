namespace McpFunctions.Tests.Fixtures;

/// <summary>The project's npm tools (Azurite, the Inspector, mcp-remote, ajv), installed from package-lock.json when absent.</summary>
public static class NpmTools
{
    private static readonly SemaphoreSlim Gate = new(1, 1);

    public static async Task<string> BinAsync(string tool)
    {
        var path = Path.Combine(RepoPaths.NodeModulesBin, tool);
        await InstallUnlessPresentAsync(path, tool);
        return path;
    }

    /// <summary>Makes sure a library package (no executable, e.g. ajv) is in node_modules; returns its folder.</summary>
    public static async Task<string> PackageAsync(string package)
    {
        var folder = RepoPaths.Combine("node_modules", package);
        await InstallUnlessPresentAsync(Path.Combine(folder, "package.json"), package);
        return folder;
    }

    /// <summary>Makes sure a file inside node_modules is present (e.g. a package's entry point); returns its path.</summary>
    public static async Task<string> PathAsync(string relativePath)
    {
        var path = RepoPaths.Combine("node_modules", relativePath);
        await InstallUnlessPresentAsync(path, relativePath);
        return path;
    }

    private static async Task InstallUnlessPresentAsync(string path, string what)
    {
        if (File.Exists(path))
        {
            return;
        }

        await Gate.WaitAsync();
        try
        {
            if (!File.Exists(path))
            {
                var (exitCode, output) = await ChildProcess.RunAsync("npm", ["ci", "--no-audit", "--no-fund"], TimeSpan.FromMinutes(10));
                if (exitCode != 0 || !File.Exists(path))
                {
                    throw new InvalidOperationException($"'npm ci' did not install {what} (exit {exitCode}):\n{output}");
                }
            }
        }
        finally
        {
            Gate.Release();
        }
    }
}
