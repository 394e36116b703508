using System.Collections.Concurrent;
using Azure.Data.Tables;
using ModelContextProtocol;
using ModelContextProtocol.Client;

namespace McpFunctions.Tests.Fixtures;

/// <summary>
/// Clients adding notes in a loop while something fails under them. Each note has its own idempotency key, and a
/// refused call (a tool error, a 503, or a connection the proxy lost) is retried with that key after 100 ms, as a
/// well-behaved client retries. The fault starts once the first client has added <c>faultAfter</c> notes; the load
/// goes on while it lasts and after it.
/// </summary>
public sealed class NoteLoad
{
    /// <summary>How long a client waits for one answer before it gives up on it and retries.</summary>
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(20);

    private int _acknowledged;

    private NoteLoad()
    {
    }

    /// <summary>Calls that came back with a note.</summary>
    public int Acknowledged => _acknowledged;

    /// <summary>What each refused call said: the tool error's text or the exception's message.</summary>
    public ConcurrentBag<string> Refusals { get; } = [];

    public static async Task<NoteLoad> RunAsync(IReadOnlyList<McpClient> clients, int notesEach, Func<Task> fault, int faultAfter = 4)
    {
        var load = new NoteLoad();
        using var started = new SemaphoreSlim(0);
        var calls = clients.Select((client, c) => load.AddNotesAsync(client, c, notesEach, c == 0 ? faultAfter : -1, started)).ToArray();
        if (!await started.WaitAsync(TimeSpan.FromSeconds(60)))
        {
            Assert.Fail("the first client did not get far enough to start the fault");
        }

        await fault();
        await Task.WhenAll(calls);
        TestContext.Out.WriteLine($"{load.Acknowledged} notes acknowledged, {load.Refusals.Count} refusals");
        return load;
    }

    /// <summary>The titles of every note in <paramref name="table"/>, in order, so that a test can see each once.</summary>
    public static async Task<string[]> TitlesAsync(TableClient table)
    {
        var titles = new List<string>();
        await foreach (var row in table.QueryAsync<TableEntity>(select: ["Title"]))
        {
            if (row.GetString("Title") is { } title)
            {
                titles.Add(title);
            }
        }

        return [.. titles.Order(StringComparer.Ordinal)];
    }

    private async Task AddNotesAsync(McpClient client, int c, int count, int signalAfter, SemaphoreSlim started)
    {
        for (var n = 0; n < count; n++)
        {
            if (n == signalAfter)
            {
                started.Release();
            }

            var arguments = new Dictionary<string, object?> { ["title"] = $"load {c}-{n}", ["idempotencyKey"] = $"load-{c}-{n}" };
            for (var attempt = 0; ; attempt++)
            {
                using var timeout = new CancellationTokenSource(CallTimeout);
                try
                {
                    var result = await client.CallToolAsync("notes_add", arguments, cancellationToken: timeout.Token);
                    if (result.IsError != true)
                    {
                        Interlocked.Increment(ref _acknowledged);
                        break;
                    }

                    Refusals.Add(result.Text());
                }
                catch (Exception e) when (e is McpException or HttpRequestException)
                {
                    Refusals.Add(e.Message);
                }
                catch (OperationCanceledException) when (timeout.IsCancellationRequested)
                {
                    Refusals.Add($"no answer in {CallTimeout.TotalSeconds} s");
                }

                Assert.That(attempt, Is.LessThan(300), $"client {c} is still refused 30 s after the fault");
                await Task.Delay(100);
            }
        }
    }
}
