namespace McpFunctions.Bench;

/// <summary>One measured window: completed calls per second and their latency, for one server, mode and concurrency.</summary>
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
    string? FirstFailure);
