namespace McpFunctions.Tests.Fixtures;

/// <summary>Several app instances sharing the run's Azurite, behind nginx round robin with no affinity.</summary>
public sealed class AppCluster : IAsyncDisposable
{
    private AppCluster(IReadOnlyList<AppProcess> instances, Nginx proxy)
    {
        Instances = instances;
        Proxy = proxy;
    }

    public IReadOnlyList<AppProcess> Instances { get; }

    public Nginx Proxy { get; }

    public static async Task<AppCluster> StartAsync(int size, IDictionary<string, string?>? settings = null)
    {
        var merged = new Dictionary<string, string?>
        {
            ["Mcp__ExposeInstanceHeader"] = "true",
            ["Mcp__InstanceHeartbeatInterval"] = "00:00:02",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            merged[key] = value;
        }

        var instances = await Task.WhenAll(Enumerable.Range(0, size).Select(_ => AppProcess.StartAsync(merged)));
        try
        {
            var proxy = await Nginx.StartAsync(instances.Select(i => i.Port));
            // Let every instance record its first heartbeat, so relays and broadcasts can find it.
            await Task.Delay(TimeSpan.FromSeconds(1));
            return new AppCluster(instances, proxy);
        }
        catch
        {
            foreach (var instance in instances)
            {
                await instance.DisposeAsync();
            }

            throw;
        }
    }

    /// <summary>Each instance by the id it reports in its instance header (to find the one a row or a response names).</summary>
    public async Task<Dictionary<string, AppProcess>> InstancesByIdAsync()
    {
        using var http = new HttpClient();
        var instances = new Dictionary<string, AppProcess>();
        foreach (var instance in Instances)
        {
            using var health = await http.GetAsync(new Uri(instance.BaseAddress, "/healthz"));
            instances[health.Headers.GetValues(RawSession.InstanceHeader).Single()] = instance;
        }

        return instances;
    }

    public async ValueTask DisposeAsync()
    {
        await Proxy.DisposeAsync();
        foreach (var instance in Instances)
        {
            await instance.DisposeAsync();
        }
    }
}
