namespace McpFunctions.Bench;

/// <summary>Everything one run measured, summarized and raw; written as JSON under bench/results/.</summary>
internal sealed record BenchReport(
    DateTimeOffset StartedAt,
    double DurationSeconds,
    MachineInfo Machine,
    double LoadAverageAtEnd,
    BenchSettings Settings,
    IReadOnlyList<ThroughputSummary> Throughput,
    IReadOnlyList<ColdStartSummary> ColdStart,
    IReadOnlyList<MemorySnapshot> Memory,
    IReadOnlyList<AllocationSummary> Allocations,
    IReadOnlyList<LoadWindow> Windows,
    IReadOnlyList<ColdStartSample> ColdStartSamples);

internal sealed record BenchSettings(bool Quick, int Clients, int Rounds, double WindowSeconds, double WarmupSeconds, int ColdStarts, string Client, string Environment);

/// <summary>
/// Medians over the rounds for one mode. The ratios are medians of per-round ratios (ours and bare measured
/// back to back): requests per second ours/bare, and CPU per call bare/ours (also "higher is better for ours").
/// </summary>
internal sealed record ThroughputSummary(
    string Mode,
    int Clients,
    int Rounds,
    double OursRequestsPerSecond,
    double BareRequestsPerSecond,
    double RequestsPerSecondRatio,
    double OursP50Ms,
    double BareP50Ms,
    double OursP99Ms,
    double BareP99Ms,
    double OursCpuMicrosecondsPerCall,
    double BareCpuMicrosecondsPerCall,
    double CpuPerCallRatioBareOverOurs,
    long Failed);

internal sealed record ColdStartSummary(
    string Server,
    string Variant,
    string Description,
    int Samples,
    double MedianFirstToolsListMs,
    double MinFirstToolsListMs,
    double MedianListeningMs,
    double MedianCpuMs,
    double MedianRssMiB,
    double DeltaVersusBaselinePercent,
    double CpuDeltaVersusBaselinePercent);

internal sealed record MemorySnapshot(string Server, string Phase, double RssMiB, double PeakRssMiB);
