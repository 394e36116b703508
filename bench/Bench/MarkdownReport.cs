using System.Globalization;
using System.Text;

namespace McpFunctions.Bench;

/// <summary>The run's tables in the form docs/benchmarks.md uses.</summary>
internal static class MarkdownReport
{
    public static string Render(BenchReport report)
    {
        var md = new StringBuilder();
        var m = report.Machine;
        var s = report.Settings;
        Line(md, $"Run {report.StartedAt:yyyy-MM-dd HH:mm} on {m.LogicalCores} x {m.CpuModel}, {m.MemoryGiB} GiB, {m.Runtime}; load average {m.LoadAverage1Min} at start, {report.LoadAverageAtEnd} at end.");
        Line(md, $"{s.Clients} concurrent clients, {s.Rounds} round(s) of {s.WindowSeconds} s per server and mode after {s.WarmupSeconds} s warm-up; {s.ColdStarts} cold starts per configuration.");
        Line(md, "");
        Line(md, "| tools/call calculator_add | McpFunctions req/s | bare SDK req/s | **req/s ratio ours/bare** | p50 ms ours / bare | p99 ms ours / bare | server CPU µs/call ours / bare | CPU ratio bare/ours | failed |");
        Line(md, "|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var t in report.Throughput)
        {
            Line(md, $"| {t.Mode} | {t.OursRequestsPerSecond:0} | {t.BareRequestsPerSecond:0} | **{t.RequestsPerSecondRatio:0.00}** | {t.OursP50Ms:0.00} / {t.BareP50Ms:0.00} | {t.OursP99Ms:0.00} / {t.BareP99Ms:0.00} | {t.OursCpuMicrosecondsPerCall:0} / {t.BareCpuMicrosecondsPerCall:0} | {t.CpuPerCallRatioBareOverOurs:0.00} | {t.Failed} |");
        }

        Line(md, "");
        Line(md, "| cold start (process start → first tools/list answered) | median ms | min ms | listening ms | CPU ms | RSS MiB | wall vs as published | CPU vs as published |");
        Line(md, "|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var c in report.ColdStart)
        {
            var baseline = c.Variant == RuntimeVariant.AsPublished.Name;
            var delta = baseline ? "—" : $"{c.DeltaVersusBaselinePercent:+0;-0;0}%";
            var cpuDelta = baseline ? "—" : $"{c.CpuDeltaVersusBaselinePercent:+0;-0;0}%";
            Line(md, $"| {c.Server}: {c.Description} | **{c.MedianFirstToolsListMs:0}** | {c.MinFirstToolsListMs:0} | {c.MedianListeningMs:0} | {c.MedianCpuMs:0} | {c.MedianRssMiB:0.0} | {delta} | {cpuDelta} |");
        }

        Line(md, "");
        Line(md, "| resident memory | McpFunctions VmRSS / VmHWM MiB | bare SDK VmRSS / VmHWM MiB |");
        Line(md, "|---|---:|---:|");
        foreach (var phase in report.Memory.Select(x => x.Phase).Distinct())
        {
            var o = report.Memory.FirstOrDefault(x => x.Phase == phase && x.Server == "McpFunctions");
            var b = report.Memory.FirstOrDefault(x => x.Phase == phase && x.Server == "BareServer");
            Line(md, $"| {phase} | {o?.RssMiB:0.0} / {o?.PeakRssMiB:0.0} | {b?.RssMiB:0.0} / {b?.PeakRssMiB:0.0} |");
        }

        if (report.Allocations.Count > 0)
        {
            Line(md, "");
            Line(md, "| allocation per tools/call (one traced window) | server | allocated B/call | survived gen0 B/call | survived gen1 B/call | GCs gen0 / gen1 / gen2 | top allocated types (B/call) |");
            Line(md, "|---|---|---:|---:|---:|---:|---|");
            foreach (var a in report.Allocations)
            {
                var top = string.Join(", ", a.TopTypes.Take(5).Select(t => $"{Shorten(t.Type)} {t.BytesPerCall}"));
                Line(md, $"| {a.Mode} | {a.Server} | {a.AllocatedBytesPerCall} | {a.PromotedFromGen0BytesPerCall} | {a.PromotedFromGen1BytesPerCall} | {a.Gen0Collections} / {a.Gen1Collections} / {a.Gen2Collections} | {top} |");
            }
        }

        return md.ToString();
    }

    /// <summary>Drops namespaces and generic arguments' namespaces so that a type fits in a table cell.</summary>
    private static string Shorten(string type) =>
        System.Text.RegularExpressions.Regex.Replace(type, @"[A-Za-z0-9_]+\.", "").Replace("|", "\\|", StringComparison.Ordinal);

    private static void Line(StringBuilder md, string text) => md.Append(CultureInfo.InvariantCulture, $"{text}\n");
}
