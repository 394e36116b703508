using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using McpFunctions.Tests.Fixtures;

namespace McpFunctions.Tests.Infra;

/// <summary>
/// The Bicep CLI from the Azure.Bicep.CommandLine.linux-x64 NuGet package, run offline: <c>--no-restore</c> is the
/// switch that stops it from fetching the public module index (it otherwise tries on every build), and infra/ only
/// uses local modules, so nothing needs a registry.
/// </summary>
public static class BicepCompiler
{
    private const string PackageId = "Azure.Bicep.CommandLine.linux-x64";

    private static readonly Lazy<Task<BicepBuild>> MainBuild = new(() => BuildAsync(RepoPaths.Combine("infra", "main.bicep")));

    /// <summary>infra/main.bicep, compiled once per test run.</summary>
    public static Task<BicepBuild> MainAsync()
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.OSArchitecture != Architecture.X64)
        {
            Assert.Ignore($"{PackageId} carries a linux-x64 compiler only.");
        }

        return MainBuild.Value;
    }

    private static async Task<BicepBuild> BuildAsync(string bicepFile)
    {
        var bicep = FindExecutable();
        var outputFile = Path.Combine(Path.GetTempPath(), $"mcpfunctions-infra-{Guid.NewGuid():N}.json");
        try
        {
            var (exitCode, diagnostics) = await ChildProcess.RunAsync(
                bicep, ["build", bicepFile, "--outfile", outputFile, "--no-restore"], TimeSpan.FromMinutes(2));
            var template = File.Exists(outputFile) ? JsonNode.Parse(await File.ReadAllTextAsync(outputFile))!.AsObject() : null;
            return new BicepBuild(exitCode, diagnostics, template);
        }
        finally
        {
            File.Delete(outputFile);
        }
    }

    /// <summary>Finds tools/bicep in the restored package, through the restore's own record (project.assets.json).</summary>
    private static string FindExecutable()
    {
        var assetsFile = RepoPaths.Combine("FunctionApp.Tests", "obj", "project.assets.json");
        var assets = JsonNode.Parse(File.ReadAllText(assetsFile))!.AsObject();
        var library = assets["libraries"]!.AsObject()
            .FirstOrDefault(l => l.Key.StartsWith(PackageId + "/", StringComparison.OrdinalIgnoreCase));
        if (library.Value is null)
        {
            throw new InvalidOperationException($"{PackageId} is not in {assetsFile}; is it referenced by FunctionApp.Tests.csproj?");
        }

        var packagePath = (string)library.Value["path"]!;
        foreach (var folder in assets["packageFolders"]!.AsObject().Select(f => f.Key))
        {
            var candidate = Path.Combine(folder, packagePath, "tools", "bicep");
            if (File.Exists(candidate))
            {
                EnsureExecutable(candidate);
                return candidate;
            }
        }

        throw new FileNotFoundException($"tools/bicep of {library.Key} was not found in any NuGet package folder.");
    }

    private static void EnsureExecutable(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        // Some package extractions drop the executable bit; the compiler is a single native file.
        var mode = File.GetUnixFileMode(path);
        if (!mode.HasFlag(UnixFileMode.UserExecute))
        {
            File.SetUnixFileMode(path, mode | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        }
    }
}
