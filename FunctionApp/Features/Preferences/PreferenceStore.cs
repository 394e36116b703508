using Azure;
using McpFunctions.Auth;
using McpFunctions.Storage;

namespace McpFunctions.Features.Preferences;

/// <summary>Key/value preferences per caller in Table Storage: PartitionKey = caller, RowKey = encoded key.</summary>
internal sealed class PreferenceStore(StorageTables tables, TimeProvider time)
{
    public const int MaxValueLength = 8_000;
    public const int MaxPreferences = 500;

    public static string ValidateValue(string? value)
    {
        if (value is null)
        {
            throw new InvalidArgumentException("The preference value is required; use preferences_delete to remove a preference.");
        }

        if (value.Length > MaxValueLength)
        {
            throw new InvalidArgumentException($"The preference value is {value.Length} characters long; the limit is {MaxValueLength}.");
        }

        return value;
    }

    public async Task<Preference?> GetAsync(Caller caller, string key, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(StorageNames.Preferences, cancellationToken);
        var response = await table.GetEntityIfExistsAsync<PreferenceEntity>(caller.PartitionKey, StorageKey.Encode(key), cancellationToken: cancellationToken);
        return response.HasValue ? response.Value!.ToPreference() : null;
    }

    /// <summary>Creates or replaces the value; refuses a new key once the caller has <see cref="MaxPreferences"/>.</summary>
    public async Task<Preference> SetAsync(Caller caller, string key, string value, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(StorageNames.Preferences, cancellationToken);
        var entity = new PreferenceEntity
        {
            PartitionKey = caller.PartitionKey,
            RowKey = StorageKey.Encode(key),
            Key = key,
            Value = value,
            UpdatedAt = time.GetUtcNow(),
        };

        try
        {
            // Replace an existing row directly; only a new key has to pass the count check.
            await table.UpdateEntityAsync(entity, ETag.All, Azure.Data.Tables.TableUpdateMode.Replace, cancellationToken);
            return entity.ToPreference();
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
        }

        if (await CountAsync(caller, cancellationToken) >= MaxPreferences)
        {
            throw new InvalidArgumentException($"You already have {MaxPreferences} preferences, the limit. Delete some with preferences_delete first.");
        }

        await table.UpsertEntityAsync(entity, Azure.Data.Tables.TableUpdateMode.Replace, cancellationToken);
        return entity.ToPreference();
    }

    public async Task<IReadOnlyList<Preference>> ListAsync(Caller caller, string? prefix, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(StorageNames.Preferences, cancellationToken);
        var results = new List<Preference>();
        await foreach (var entity in table.QueryAsync<PreferenceEntity>(e => e.PartitionKey == caller.PartitionKey, cancellationToken: cancellationToken))
        {
            if (prefix is null || entity.Key.StartsWith(prefix, StringComparison.Ordinal))
            {
                results.Add(entity.ToPreference());
            }
        }

        return results.OrderBy(p => p.Key, StringComparer.Ordinal).ToArray();
    }

    public async Task<bool> DeleteAsync(Caller caller, string key, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(StorageNames.Preferences, cancellationToken);
        var response = await table.DeleteEntityAsync(caller.PartitionKey, StorageKey.Encode(key), ETag.All, cancellationToken);
        return response.Status != 404;
    }

    private async Task<int> CountAsync(Caller caller, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(StorageNames.Preferences, cancellationToken);
        var count = 0;
        await foreach (var _ in table.QueryAsync<Azure.Data.Tables.TableEntity>(e => e.PartitionKey == caller.PartitionKey, select: ["RowKey"], cancellationToken: cancellationToken))
        {
            count++;
        }

        return count;
    }
}
