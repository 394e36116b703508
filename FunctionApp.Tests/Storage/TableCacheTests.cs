using Azure.Data.Tables;
using McpFunctions.Storage;
using McpFunctions.Tests.Fixtures;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace McpFunctions.Tests.Storage;

/// <summary>The table-backed distributed cache (the downstream API's token cache), against Azurite.</summary>
public sealed class TableCacheTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 1, 8, 0, 0, TimeSpan.Zero));
    private TableCache _cache = null!;
    private TableClient _table = null!;

    [SetUp]
    public void Create()
    {
        var prefix = "cache" + Guid.NewGuid().ToString("N")[..8];
        var tables = new StorageTables(new Lazy<TableServiceClient>(() => new TableServiceClient(TestRun.Azurite.ConnectionString)),
            Options.Create(new StorageOptions { TablePrefix = prefix }));
        _cache = new TableCache(tables, _time, StorageNames.TokenCache);
        _table = new TableServiceClient(TestRun.Azurite.ConnectionString).GetTableClient(prefix + StorageNames.TokenCache);
    }

    [Test]
    public async Task A_value_larger_than_one_property_round_trips_in_chunks()
    {
        var value = new byte[200_000];
        new Random(7).NextBytes(value);

        await _cache.SetAsync("home.tenant", value, new DistributedCacheEntryOptions { SlidingExpiration = TimeSpan.FromDays(30) });

        Assert.That(await _cache.GetAsync("home.tenant"), Is.EqualTo(value));
        Assert.That(await _cache.GetAsync("someone.else"), Is.Null);
    }

    [Test]
    public async Task An_expired_value_is_not_returned_and_a_removed_one_is_gone()
    {
        await _cache.SetAsync("short", [1, 2, 3], new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(5) });
        await _cache.SetAsync("gone", [4], new DistributedCacheEntryOptions { SlidingExpiration = TimeSpan.FromHours(1) });

        await _cache.RemoveAsync("gone");
        await _cache.RemoveAsync("never-there");
        _time.Advance(TimeSpan.FromMinutes(6));

        Assert.That(await _cache.GetAsync("short"), Is.Null);
        Assert.That(await _cache.GetAsync("gone"), Is.Null);
    }

    [Test]
    public async Task A_sliding_expiry_moves_on_when_half_its_window_has_passed()
    {
        await _cache.SetAsync("busy", [9], new DistributedCacheEntryOptions { SlidingExpiration = TimeSpan.FromHours(10) });
        var set = await ExpiresAtAsync("busy");

        _time.Advance(TimeSpan.FromHours(2));
        await _cache.GetAsync("busy");
        var early = await ExpiresAtAsync("busy");
        _time.Advance(TimeSpan.FromHours(4));
        await _cache.GetAsync("busy");
        var later = await ExpiresAtAsync("busy");

        Assert.That(early, Is.EqualTo(set), "no write while most of the window is left");
        Assert.That(later, Is.EqualTo(_time.GetUtcNow().AddHours(10)));
    }

    [Test]
    public void A_value_larger_than_a_row_is_refused()
    {
        Assert.ThrowsAsync<InvalidOperationException>(() => _cache.SetAsync("huge", new byte[16 * 64 * 1024], new DistributedCacheEntryOptions()));
    }

    private async Task<DateTimeOffset?> ExpiresAtAsync(string key) =>
        (await _table.GetEntityAsync<TableEntity>(StorageKey.Encode(key), "")).Value.GetDateTimeOffset(TableCache.ExpiresAtProperty);
}
