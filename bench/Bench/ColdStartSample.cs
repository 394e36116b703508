namespace McpFunctions.Bench;

/// <summary>
/// One fresh process: milliseconds from Process.Start to the port accepting connections and to the first
/// answered tools/list, the CPU the process had used by then, and its resident memory at that moment.
/// </summary>
internal sealed record ColdStartSample(string Server, string Variant, double ListeningMs, double FirstToolsListMs, double CpuMs, double RssMiB);
