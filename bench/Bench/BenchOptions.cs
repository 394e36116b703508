namespace McpFunctions.Bench;

/// <summary>What one run measures and for how long; parsed from the command line.</summary>
internal sealed record BenchOptions
{
    public bool Quick { get; init; }
    public bool Publish { get; init; } = true;
    public int Clients { get; init; } = 16;
    public int Rounds { get; init; } = 6;
    public TimeSpan Window { get; init; } = TimeSpan.FromSeconds(3);
    // Tiered compilation needs about 10-15 s of load before McpFunctions' hot paths reach optimized code
    // (it has more methods to tier up than the bare server); a shorter warm-up measures the JIT, not the server.
    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(15);
    public int ColdStarts { get; init; } = 5;

    /// <summary>Also publish without ReadyToRun and try the runtime knobs on the bare server (slower).</summary>
    public bool AllVariants { get; init; }

    /// <summary>Skip the cold-start variants (baseline cold start is always measured).</summary>
    public bool SkipVariants { get; init; }

    /// <summary>Profile allocation and GC per call (one extra window per server and mode, traced over EventPipe).</summary>
    public bool Allocations { get; init; } = true;

    /// <summary>Instead of the comparison: the tasks figures (idle cost with the hub on and off, create and first get).</summary>
    public bool Tasks { get; init; }

    /// <summary>Instead of the comparison: storage requests per tool call, and search latency at 1,000 to 100,000 notes.</summary>
    public bool Storage { get; init; }

    /// <summary>The note counts <c>--storage</c> measures search at (Azurite seeds 100,000 notes slowly: it re-sorts its index as it grows).</summary>
    public IReadOnlyList<int> SearchSizes { get; init; } = [1_000, 10_000];

    /// <summary>Instead of the comparison: the in-process cost of this many idle sessions; 0: not measured.</summary>
    public int IdleSessions { get; init; }

    /// <summary>Minutes of one task run against a 230 s per-request limit; 0: none.</summary>
    public int LongTaskMinutes { get; init; }

    /// <summary>Minutes of the soak (McpFunctions only, both modes alternating, memory and p99 per minute); 0: no soak.</summary>
    public int SoakMinutes { get; init; }

    public static string Usage =>
        """
        Usage: dotnet run -c Release --project bench/Bench -- [options]
          --quick            smoke run: 2 rounds of 2 s, 3 cold starts, no variants (under 1 min)
          --clients N        concurrent clients for the load (default 16)
          --rounds N         measured rounds, each server and mode once per round (default 6)
          --seconds S        length of one measured window (default 3)
          --warmup S         load per server and mode before measuring (default 15; tier-up takes 10-15 s)
          --cold-starts N    fresh processes per cold-start configuration (default 5)
          --all-variants     also non-ReadyToRun and self-contained composite publishes, and the
                             bare server's variants (adds 5-10 min: the composite compiles the framework)
          --no-variants      only the baseline cold start
          --no-publish       reuse bench/results/publish from an earlier run
          --no-alloc         skip the allocation and GC profile (one traced window per server and mode)
          --tasks            instead of the comparison: MCP tasks, the idle storage requests with the task hub
                             on and off, and the time to create a task and read it back
          --storage          instead of the comparison: the Table and Blob requests of each tool call (from Azurite's
                             access log), and notes_search as one user's notes grow
          --search-sizes L   with --storage: the note counts, ascending, comma-separated (default 1000,10000)
          --idle-sessions N  instead of the comparison: N sessions opened on each server, the live heap and RSS
                             right after and once idle (McpFunctions' memory idle timeout set to 20 s)
          --long-task M      instead of the comparison: an M-minute tool as a task and as an ordinary call, each
                             HTTP request limited to 230 s (Azure's front end)
          --soak M           instead of the comparison: M minutes of load on McpFunctions alone, stateless and
                             session windows alternating, with memory, p99 and failures per minute
        """;

    public static BenchOptions Parse(string[] args)
    {
        var options = new BenchOptions();
        if (args.Contains("--quick"))
        {
            options = options with
            {
                Quick = true,
                Rounds = 2,
                Window = TimeSpan.FromSeconds(2),
                Warmup = TimeSpan.FromSeconds(2),
                ColdStarts = 3,
                SkipVariants = true,
                Allocations = false,
            };
        }

        for (var i = 0; i < args.Length; i++)
        {
            options = args[i] switch
            {
                "--quick" => options,
                "--clients" => options with { Clients = PositiveInt(args, ++i) },
                "--rounds" => options with { Rounds = PositiveInt(args, ++i) },
                "--seconds" => options with { Window = TimeSpan.FromSeconds(PositiveInt(args, ++i)) },
                "--warmup" => options with { Warmup = TimeSpan.FromSeconds(PositiveInt(args, ++i)) },
                "--cold-starts" => options with { ColdStarts = PositiveInt(args, ++i) },
                "--all-variants" => options with { AllVariants = true, SkipVariants = false },
                "--no-variants" => options with { SkipVariants = true, AllVariants = false },
                "--no-publish" => options with { Publish = false },
                "--no-alloc" => options with { Allocations = false },
                "--soak" => options with { SoakMinutes = PositiveInt(args, ++i) },
                "--tasks" => options with { Tasks = true },
                "--storage" => options with { Storage = true },
                "--idle-sessions" => options with { IdleSessions = PositiveInt(args, ++i) },
                "--search-sizes" => options with { SearchSizes = Sizes(args, ++i) },
                "--long-task" => options with { LongTaskMinutes = PositiveInt(args, ++i) },
                _ => throw new ArgumentException($"Unknown option '{args[i]}'.\n{Usage}"),
            };
        }

        return options;
    }

    private static int[] Sizes(string[] args, int index) =>
        index < args.Length && args[index].Split(',').Select(v => int.TryParse(v, out var n) ? n : 0).ToArray() is { Length: > 0 } sizes
            && sizes.All(n => n > 0) && sizes.Order().SequenceEqual(sizes)
            ? sizes
            : throw new ArgumentException($"'{args[index - 1]}' needs ascending positive numbers separated by commas, such as 1000,10000.\n{Usage}");

    private static int PositiveInt(string[] args, int index) =>
        index < args.Length && int.TryParse(args[index], out var value) && value > 0
            ? value
            : throw new ArgumentException($"'{args[index - 1]}' needs a positive whole number.\n{Usage}");
}
