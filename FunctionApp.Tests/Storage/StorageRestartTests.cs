using Azure.Data.Tables;
using McpFunctions.Tests.Fixtures;
using ModelContextProtocol.Client;

namespace McpFunctions.Tests.Storage;

/// <summary>
/// Storage itself goes away under load and comes back: an Azurite of the test's own, on disk, is stopped while eight
/// clients add notes, and started again three seconds later with its data. During the outage every refused call is a
/// 503 or a tool error that says to retry; after it, every client carries on, in its own session where it had one,
/// and each acknowledged note is stored exactly once.
/// </summary>
[NonParallelizable]
public sealed class StorageRestartTests
{
    [Test]
    public async Task Storage_stopped_and_started_again_under_load_gives_retry_answers_during_and_full_recovery_after()
    {
        var folder = Directory.CreateTempSubdirectory("mcpfunctions-azurite-");
        var azurite = await Azurite.StartOnDiskAsync(folder.FullName);
        try
        {
            await using var server = new LoopbackServer(azurite.ConnectionString).Start();
            var clients = new List<McpClient>();
            for (var i = 0; i < 8; i++)
            {
                clients.Add(i % 2 == 0 ? await Clients.StreamableAsync(server) : await Clients.StatelessAsync(server));
            }

            var load = await NoteLoad.RunAsync(clients, 12, async () =>
            {
                await azurite.StopAsync();
                await Task.Delay(TimeSpan.FromSeconds(3));
                azurite = await azurite.StartAgainAsync();
            });
            var sessionsAfter = new List<string?>();
            foreach (var client in clients)
            {
                sessionsAfter.Add((await client.CallToolAsync("whoami")).IsError == true ? "refused" : client.SessionId);
                await client.DisposeAsync();
            }

            foreach (var entry in server.Errors.Entries)
            {
                TestContext.Out.WriteLine(entry);
            }

            Assert.That(load.Acknowledged, Is.EqualTo(96));
            Assert.That(load.Refusals, Is.Not.Empty, "the load ran through the outage");
            Assert.That(load.Refusals, Is.All.Contain("temporarily unavailable").Or.Contain("503"), "only answers that say to retry");
            Assert.That(load.Refusals, Has.None.Contain("500").And.None.Contain("An error occurred."));
            Assert.That(sessionsAfter, Has.None.EqualTo("refused"));
            var titles = await NoteLoad.TitlesAsync(new TableServiceClient(azurite.ConnectionString).GetTableClient("mcpnotes"));
            Assert.That(titles, Has.Length.EqualTo(96).And.Unique, "every note stored exactly once");
            Assert.That(server.Errors.Entries, Is.Empty, "an outage is a warning, not an error");
        }
        finally
        {
            await azurite.DisposeAsync();
            folder.Delete(recursive: true);
        }
    }
}
