using McpFunctions.Features.Preferences;
using McpFunctions.Storage;
using McpFunctions.Tests.Fixtures;

namespace McpFunctions.Tests.Features.Preferences;

public sealed class PreferencesToolsTests
{
    [TestCase(ClientTransport.Session)]
    [TestCase(ClientTransport.Stateless)]
    [TestCase(ClientTransport.LegacySse)]
    public async Task A_preference_can_be_set_read_replaced_and_deleted(ClientTransport transport)
    {
        await using var client = await transport.ConnectAsync();
        var key = $"reply.language {Guid.NewGuid():N} (ü)";

        var set = (await SetAsync(client, key, "en-GB")).Read<Preference>();
        Assert.That((set.Key, set.Value), Is.EqualTo((key, "en-GB")));

        var rows = await StorageProbe.RowsAsync(StorageProbe.PreferencesTable, StorageProbe.LocalDeveloperPartition);
        var row = rows.SingleOrDefault(r => r.RowKey == StorageKey.Encode(key));
        Assert.That(row, Is.Not.Null, "the row key is the encoded preference key");
        Assert.That((row!.GetString("Key"), row.GetString("Value")), Is.EqualTo((key, "en-GB")));

        var read = (await client.CallToolAsync("preferences_get", new Dictionary<string, object?> { ["key"] = key })).Read<Preference>();
        Assert.That(read.Value, Is.EqualTo("en-GB"));

        var replaced = (await SetAsync(client, key, "{\"lang\":\"de\"}")).Read<Preference>();
        Assert.That(replaced.Value, Is.EqualTo("{\"lang\":\"de\"}"));
        Assert.That(replaced.UpdatedAt, Is.GreaterThanOrEqualTo(set.UpdatedAt));
        Assert.That((await StorageProbe.RowsAsync(StorageProbe.PreferencesTable, StorageProbe.LocalDeveloperPartition)).Count(r => r.GetString("Key") == key), Is.EqualTo(1),
            "replacing keeps one row");

        var deleted = await client.CallToolAsync("preferences_delete", new Dictionary<string, object?> { ["key"] = key });
        Assert.That(deleted.IsError, Is.Not.True);
        Assert.That(deleted.Text(), Does.Contain($"Deleted preference '{key}'"));

        var gone = await client.CallToolAsync("preferences_get", new Dictionary<string, object?> { ["key"] = key });
        Assert.That(gone.IsError, Is.True);
        Assert.That(gone.Text(), Does.Contain($"No preference '{key}' is set").And.Contain("preferences_list"));

        var again = await client.CallToolAsync("preferences_delete", new Dictionary<string, object?> { ["key"] = key });
        Assert.That(again.IsError, Is.Not.True);
        Assert.That(again.Text(), Does.Contain("There was no preference"));
    }

    [Test]
    public async Task Preferences_list_filters_by_prefix_and_sorts_by_key()
    {
        await using var client = await Clients.StreamableAsync(TestRun.Server);
        var prefix = $"p{Guid.NewGuid():N}.";
        await SetAsync(client, prefix + "zeta", "3");
        await SetAsync(client, prefix + "alpha", "1");
        await SetAsync(client, prefix + "Beta", "2");
        await SetAsync(client, "other " + prefix, "not listed");

        var listed = (await client.CallToolAsync("preferences_list", new Dictionary<string, object?> { ["prefix"] = prefix })).Read<List<Preference>>();
        Assert.That(listed.Select(p => (p.Key, p.Value)), Is.EqualTo(new[] { (prefix + "Beta", "2"), (prefix + "alpha", "1"), (prefix + "zeta", "3") }),
            "only keys with the prefix, in ordinal key order");

        var caseMismatch = (await client.CallToolAsync("preferences_list", new Dictionary<string, object?> { ["prefix"] = prefix.ToUpperInvariant() })).Read<List<Preference>>();
        Assert.That(caseMismatch, Is.Empty, "the prefix is case-sensitive");

        var all = (await client.CallToolAsync("preferences_list")).Read<List<Preference>>();
        Assert.That(all.Select(p => p.Key), Is.SupersetOf(new[] { prefix + "alpha", prefix + "Beta", prefix + "zeta", "other " + prefix }));
        Assert.That(all.Select(p => p.Key), Is.Ordered.Using((IComparer<string>)StringComparer.Ordinal));
    }

    [Test]
    public async Task A_value_over_the_limit_is_refused_and_not_stored()
    {
        await using var client = await Clients.StreamableAsync(TestRun.Server);
        var key = $"big {Guid.NewGuid():N}";

        var result = await SetAsync(client, key, new string('v', PreferenceStore.MaxValueLength + 1));

        Assert.That(result.IsError, Is.True);
        Assert.That(result.Text(), Does.Contain("8001 characters long; the limit is 8000"));
        Assert.That(await StorageProbe.StoredItemsMentioningAsync(key), Is.Empty);
    }

    private static ValueTask<ModelContextProtocol.Protocol.CallToolResult> SetAsync(ModelContextProtocol.Client.McpClient client, string key, string value) =>
        client.CallToolAsync("preferences_set", new Dictionary<string, object?> { ["key"] = key, ["value"] = value });
}
