namespace McpFunctions.Bench;

/// <summary>What the numbers were measured on.</summary>
internal sealed record MachineInfo(string CpuModel, int LogicalCores, double MemoryGiB, string Os, string Runtime, double LoadAverage1Min)
{
    public static MachineInfo Read()
    {
        var cpuinfo = File.Exists("/proc/cpuinfo") ? File.ReadAllLines("/proc/cpuinfo") : [];
        var model = cpuinfo.FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown";
        var cores = cpuinfo.Count(l => l.StartsWith("processor", StringComparison.Ordinal));
        var memTotal = File.Exists("/proc/meminfo")
            ? File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemTotal:", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]
            : "0";
        return new MachineInfo(
            model,
            cores > 0 ? cores : Environment.ProcessorCount,
            Math.Round(double.Parse(memTotal) / 1024 / 1024, 1),
            System.Runtime.InteropServices.RuntimeInformation.OSDescription,
            System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription,
            LoadAverage());
    }

    public static double LoadAverage() =>
        File.Exists("/proc/loadavg") ? double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) : double.NaN;
}
