namespace McpFunctions.Bench;

/// <summary>Resident memory of a process from /proc/&lt;pid&gt;/status: now (VmRSS) and the peak so far (VmHWM), in MiB.</summary>
internal sealed record ProcessMemory(double RssMiB, double PeakRssMiB)
{
    public static ProcessMemory Read(int pid)
    {
        double rss = double.NaN, peak = double.NaN;
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                rss = Kibibytes(line) / 1024.0;
            }
            else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                peak = Kibibytes(line) / 1024.0;
            }
        }

        return new ProcessMemory(Math.Round(rss, 1), Math.Round(peak, 1));
    }

    /// <summary>User + system CPU time the process has used so far, from /proc/&lt;pid&gt;/stat (10 ms resolution).</summary>
    public static double CpuMilliseconds(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        // Field 2 (comm) may contain spaces; the fields after its closing parenthesis are space-separated.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11]) + long.Parse(fields[12]); // utime, stime (fields 14 and 15 of the line)
        return ticks * 1000.0 / 100; // USER_HZ is 100 on Linux
    }

    private static double Kibibytes(string line) =>
        double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture);
}
