namespace McpFunctions.Bench;

/// <summary>
/// One measured window for one server, mode and concurrency: completed calls per second, their latency, and the
/// server process's CPU time per call (user + system), which other processes on the machine disturb far less.
/// </summary>
internal sealed record LoadWindow(
    string Server,
    string Mode,
    int Clients,
    int Round,
    double Seconds,
    long Completed,
    long Failed,
    double RequestsPerSecond,
    double P50Ms,
    double P90Ms,
    double P99Ms,
    double MaxMs,
    double ServerCpuMicrosecondsPerCall,
    string? FirstFailure);
