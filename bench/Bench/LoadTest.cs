using System.Diagnostics;
using System.Text;

namespace McpFunctions.Bench;

/// <summary>
/// N clients, each sending one tools/call after another (closed loop) over its own keep-alive connection,
/// for a fixed window. Only calls that complete inside the window count.
/// </summary>
/// <param name="bearer">An access token sent with every call (the authenticated runs), or null.</param>
internal sealed class LoadTest(HttpClient http, Uri endpoint, string mode, IReadOnlyList<string?> sessionIds, string? bearer = null)
{
    public const string SessionMode = "session (2025-11-25)";
    public const string StatelessMode = "stateless (2026-07-28)";
    public const string OneSessionMode = "one session, concurrent calls (2025-11-25)";

    public int Clients => sessionIds.Count;

    public string Mode => mode;

    /// <summary>Opens <paramref name="clients"/> sessions (initialize + initialized) for the session mode.</summary>
    public static async Task<LoadTest> SessionAsync(HttpClient http, Uri endpoint, int clients, CancellationToken cancellationToken, string? bearer = null)
    {
        var ids = new List<string?>();
        for (var i = 0; i < clients; i++)
        {
            ids.Add(await McpWire.StartSessionAsync(http, endpoint, cancellationToken, bearer));
        }

        return new LoadTest(http, endpoint, SessionMode, ids, bearer);
    }

    /// <summary>One session that every client sends its calls on at once, as an agent's parallel tool calls arrive.</summary>
    public static async Task<LoadTest> OneSessionAsync(HttpClient http, Uri endpoint, int clients, CancellationToken cancellationToken, string? bearer = null)
    {
        var id = await McpWire.StartSessionAsync(http, endpoint, cancellationToken, bearer);
        return new LoadTest(http, endpoint, OneSessionMode, Enumerable.Repeat<string?>(id, clients).ToList(), bearer);
    }

    public static LoadTest Stateless(HttpClient http, Uri endpoint, int clients, string? bearer = null) =>
        new(http, endpoint, StatelessMode, Enumerable.Repeat<string?>(null, clients).ToList(), bearer);

    public async Task<LoadWindow> RunAsync(string server, int serverPid, int round, TimeSpan window, CancellationToken cancellationToken)
    {
        var cpuBefore = ProcessMemory.CpuMilliseconds(serverPid);
        var start = Stopwatch.GetTimestamp();
        var deadline = start + (long)(window.TotalSeconds * Stopwatch.Frequency);
        var results = await Task.WhenAll(sessionIds.Select(id => Task.Run(() => ClientLoopAsync(id, deadline, cancellationToken), cancellationToken)));

        var latencies = results.SelectMany(r => r.Latencies).Select(t => t * 1000.0 / Stopwatch.Frequency).Order().ToArray();
        var failed = results.Sum(r => r.Failed);
        var served = latencies.Length + failed + results.Sum(r => r.AfterDeadline);
        var cpuMicroseconds = (ProcessMemory.CpuMilliseconds(serverPid) - cpuBefore) * 1000;
        return new LoadWindow(
            server, mode, Clients, round, window.TotalSeconds,
            latencies.Length, failed,
            Stats.Round(latencies.Length / window.TotalSeconds, 1),
            Stats.Round(Stats.Percentile(latencies, 50), 3),
            Stats.Round(Stats.Percentile(latencies, 90), 3),
            Stats.Round(Stats.Percentile(latencies, 99), 3),
            Stats.Round(latencies.Length > 0 ? latencies[^1] : double.NaN, 3),
            Stats.Round(served > 0 ? cpuMicroseconds / served : double.NaN, 1),
            results.Select(r => r.FirstFailure).FirstOrDefault(f => f is not null));
    }

    private async Task<ClientResult> ClientLoopAsync(string? sessionId, long deadline, CancellationToken cancellationToken)
    {
        var latencies = new List<long>(16 * 1024);
        var buffer = new byte[16 * 1024];
        long failed = 0, afterDeadline = 0;
        string? firstFailure = null;
        var checkedAnswer = false;

        while (!cancellationToken.IsCancellationRequested)
        {
            var began = Stopwatch.GetTimestamp();
            if (began >= deadline)
            {
                break;
            }

            using var request = sessionId is null ? McpWire.StatelessCall(endpoint) : McpWire.SessionCall(endpoint, sessionId);
            if (bearer is not null)
            {
                request.Headers.TryAddWithoutValidation("Authorization", bearer);
            }

            var ok = false;
            string? problem = null;
            try
            {
                using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
                var length = await ReadAllAsync(response, buffer, cancellationToken);
                var body = buffer.AsSpan(0, length);
                ok = response.IsSuccessStatusCode && McpWire.IsResult(body) && (checkedAnswer || body.IndexOf(McpWire.ExpectedSum) >= 0);
                checkedAnswer |= ok;
                problem = ok ? null : $"{(int)response.StatusCode}: {Encoding.UTF8.GetString(body)}";
            }
            catch (Exception e) when (e is HttpRequestException or IOException)
            {
                problem = e.Message;
            }

            var ended = Stopwatch.GetTimestamp();
            if (ok && ended <= deadline)
            {
                latencies.Add(ended - began);
            }
            else if (ok)
            {
                afterDeadline++;
            }
            else
            {
                failed++;
                firstFailure ??= problem;
            }
        }

        return new ClientResult(latencies, failed, afterDeadline, firstFailure);
    }

    /// <summary>Reads the whole (small) response into the client's buffer; what does not fit is read and dropped.</summary>
    private static async Task<int> ReadAllAsync(HttpResponseMessage response, byte[] buffer, CancellationToken cancellationToken)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        var total = 0;
        int read;
        while ((read = await stream.ReadAsync(buffer.AsMemory(Math.Min(total, buffer.Length - 1)), cancellationToken)) > 0)
        {
            total = Math.Min(total + read, buffer.Length - 1);
        }

        return total;
    }

    private sealed record ClientResult(List<long> Latencies, long Failed, long AfterDeadline, string? FirstFailure);
}
