using System.Diagnostics;

namespace McpFunctions.Bench;

/// <summary>Starts a server as a fresh process and polls until a tools/list is answered.</summary>
internal static class ColdStart
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(2);
    private static readonly TimeSpan GiveUpAfter = TimeSpan.FromSeconds(60);

    public static async Task<ColdStartSample> MeasureAsync(ServerUnderTest server, RuntimeVariant variant, HttpClient http)
    {
        var port = FreePort.Next();
        var endpoint = new Uri($"http://127.0.0.1:{port}/mcp");
        var launch = server.Prepare(port, variant);

        var clock = Stopwatch.StartNew();
        await using var process = launch();
        while (!await FreePort.IsListeningAsync(port))
        {
            Check(process, clock, server, variant);
            await Task.Delay(PollInterval);
        }

        var listening = clock.Elapsed.TotalMilliseconds;
        while (!await AnswersToolsListAsync(http, endpoint))
        {
            Check(process, clock, server, variant);
            await Task.Delay(PollInterval);
        }

        var answered = clock.Elapsed.TotalMilliseconds;
        var cpu = ProcessMemory.CpuMilliseconds(process.Id);
        var memory = ProcessMemory.Read(process.Id);
        return new ColdStartSample(server.Name, variant.Name, Stats.Round(listening, 1), Stats.Round(answered, 1), cpu, memory.RssMiB);
    }

    private static async Task<bool> AnswersToolsListAsync(HttpClient http, Uri endpoint)
    {
        try
        {
            using var request = McpWire.StatelessList(endpoint);
            using var response = await http.SendAsync(request);
            var body = await response.Content.ReadAsByteArrayAsync();
            return response.IsSuccessStatusCode && McpWire.IsResult(body);
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    private static void Check(ChildProcess process, Stopwatch clock, ServerUnderTest server, RuntimeVariant variant)
    {
        if (process.HasExited || clock.Elapsed > GiveUpAfter)
        {
            throw new InvalidOperationException($"{server.Name} ({variant.Name}) did not answer tools/list within {GiveUpAfter}:\n{process.Output}");
        }
    }
}
