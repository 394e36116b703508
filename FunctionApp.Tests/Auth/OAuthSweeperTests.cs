using Azure.Data.Tables;
using McpFunctions.Auth.Stores;
using McpFunctions.Storage;
using McpFunctions.Tests.Fixtures;
using Microsoft.Extensions.DependencyInjection;

namespace McpFunctions.Tests.Auth;

/// <summary>What the OAuth sweeper removes, and what it keeps.</summary>
[NonParallelizable]
public sealed class OAuthSweeperTests
{
    [Test]
    public async Task Expired_codes_tokens_registrations_documents_cache_entries_and_revoked_or_stale_grants_are_removed_and_live_ones_kept()
    {
        var prefix = "sweep" + Guid.NewGuid().ToString("N")[..8];
        await using var server = new LoopbackServer(TestRun.Azurite.ConnectionString, new Dictionary<string, string?>
        {
            ["Auth:Mode"] = "LocalSignIn",
            ["Storage:TablePrefix"] = prefix,
            ["DownstreamApi:BaseUrl"] = "https://graph.example/v1.0/",
            ["DownstreamApi:Scopes:0"] = "User.Read",
        }).Start();
        var tables = new TableServiceClient(TestRun.Azurite.ConnectionString);
        var now = DateTimeOffset.UtcNow;
        await AddAsync(tables, prefix + StorageNames.OAuthTokens, ("u", "g.expired", new() { ["ExpiresAt"] = now.AddDays(-2) }), ("u", "g.live", new() { ["ExpiresAt"] = now.AddDays(3) }));
        await AddAsync(tables, prefix + StorageNames.OAuthTokenReferences, ("expired-ref", "", new() { ["ExpiresAt"] = now.AddDays(-2) }), ("live-ref", "", new() { ["ExpiresAt"] = now.AddMinutes(3) }));
        await AddAsync(tables, prefix + StorageNames.OAuthClients,
            ("abandoned", "", new() { ["Source"] = OAuthClient.RegisteredSource, ["ExpiresAt"] = now.AddMinutes(-1) }),
            ("in-use", "", new() { ["Source"] = OAuthClient.RegisteredSource, ["ExpiresAt"] = now.AddDays(80) }),
            ("old-document", "", new() { ["Source"] = OAuthClient.MetadataDocumentSource, ["ExpiresAt"] = now.AddDays(-2) }),
            ("fresh-document", "", new() { ["Source"] = OAuthClient.MetadataDocumentSource, ["ExpiresAt"] = now.AddHours(-1) }));
        await AddAsync(tables, prefix + StorageNames.OAuthGrants,
            ("u", "stale", new() { ["Status"] = "valid", ["LastUsedAt"] = now.AddDays(-40) }),
            ("u", "used", new() { ["Status"] = "valid", ["LastUsedAt"] = now.AddDays(-5) }));
        await AddAsync(tables, prefix + StorageNames.TokenCache, ("expired-entry", "", new() { ["ExpiresAt"] = now.AddMinutes(-1) }), ("live-entry", "", new() { ["ExpiresAt"] = now.AddDays(29) }));

        var removed = await server.Services.GetRequiredService<OAuthSweeper>().SweepOnceAsync(CancellationToken.None);

        Assert.That(removed, Is.EqualTo(6));
        Assert.That(await KeysAsync(tables, prefix + StorageNames.OAuthTokens), Is.EqualTo(new[] { "g.live" }));
        Assert.That(await KeysAsync(tables, prefix + StorageNames.OAuthTokenReferences), Is.EqualTo(new[] { "live-ref" }));
        Assert.That(await KeysAsync(tables, prefix + StorageNames.OAuthClients), Is.EquivalentTo(new[] { "fresh-document", "in-use" }));
        Assert.That(await KeysAsync(tables, prefix + StorageNames.OAuthGrants), Is.EqualTo(new[] { "used" }));
        Assert.That(await KeysAsync(tables, prefix + StorageNames.TokenCache), Is.EqualTo(new[] { "live-entry" }));
    }

    private static async Task AddAsync(TableServiceClient tables, string name, params (string Partition, string Row, Dictionary<string, object> Values)[] rows)
    {
        var table = tables.GetTableClient(name);
        await table.CreateIfNotExistsAsync();
        foreach (var (partition, row, values) in rows)
        {
            var entity = new TableEntity(partition, row);
            foreach (var (key, value) in values)
            {
                entity[key] = value;
            }

            await table.AddEntityAsync(entity);
        }
    }

    private static async Task<string[]> KeysAsync(TableServiceClient tables, string name)
    {
        var keys = new List<string>();
        await foreach (var row in tables.GetTableClient(name).QueryAsync<TableEntity>())
        {
            keys.Add(row.RowKey.Length > 0 ? row.RowKey : row.PartitionKey);
        }

        return [.. keys.Order(StringComparer.Ordinal)];
    }
}
