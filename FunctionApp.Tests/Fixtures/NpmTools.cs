namespace McpFunctions.Tests.Fixtures;

/// <summary>The project's npm tools (Azurite, the Inspector, mcp-remote), installed from package-lock.json when absent.</summary>
public static class NpmTools
{
    private static readonly SemaphoreSlim Gate = new(1, 1);

    public static async Task<string> BinAsync(string tool)
    {
        var path = Path.Combine(RepoPaths.NodeModulesBin, tool);
        if (File.Exists(path))
        {
            return path;
        }

        await Gate.WaitAsync();
        try
        {
            if (!File.Exists(path))
            {
                var (exitCode, output) = await ChildProcess.RunAsync("npm", ["ci", "--no-audit", "--no-fund"], TimeSpan.FromMinutes(10));
                if (exitCode != 0 || !File.Exists(path))
                {
                    throw new InvalidOperationException($"'npm ci' did not install {tool} (exit {exitCode}):\n{output}");
                }
            }

            return path;
        }
        finally
        {
            Gate.Release();
        }
    }
}
