using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json.Serialization;
using Azure;
using Azure.Data.Tables;
using OpenIddict.Abstractions;

namespace McpFunctions.Auth.Stores;

/// <summary>
/// What the OpenIddict stores on Table Storage share: list and bag columns as JSON text, and writes that map an
/// ETag mismatch to OpenIddict's <see cref="OpenIddictExceptions.ConcurrencyException"/>, so its managers retry or
/// refuse exactly as they would on a database.
/// </summary>
internal static class OAuthRows
{
    public static ImmutableArray<string> ReadList(string? json) =>
        string.IsNullOrEmpty(json) ? [] : [.. JsonSerializer.Deserialize(json, OAuthStoreJson.Default.StringArray) ?? []];

    public static string? WriteList(ImmutableArray<string> values) =>
        values.IsDefaultOrEmpty ? null : JsonSerializer.Serialize(values.ToArray(), OAuthStoreJson.Default.StringArray);

    public static ImmutableDictionary<string, JsonElement> ReadBag(string? json) =>
        string.IsNullOrEmpty(json)
            ? ImmutableDictionary<string, JsonElement>.Empty
            : (JsonSerializer.Deserialize(json, OAuthStoreJson.Default.DictionaryStringJsonElement) ?? []).ToImmutableDictionary(StringComparer.Ordinal);

    public static string? WriteBag(ImmutableDictionary<string, JsonElement> values) =>
        values.IsEmpty ? null : JsonSerializer.Serialize(new Dictionary<string, JsonElement>(values), OAuthStoreJson.Default.DictionaryStringJsonElement);

    public static ImmutableDictionary<string, string> ReadSettings(string? json) =>
        string.IsNullOrEmpty(json)
            ? ImmutableDictionary<string, string>.Empty
            : (JsonSerializer.Deserialize(json, OAuthStoreJson.Default.DictionaryStringString) ?? []).ToImmutableDictionary(StringComparer.Ordinal);

    public static string? WriteSettings(ImmutableDictionary<string, string> values) =>
        values.IsEmpty ? null : JsonSerializer.Serialize(new Dictionary<string, string>(values), OAuthStoreJson.Default.DictionaryStringString);

    public static ImmutableDictionary<CultureInfo, string> ReadNames(string? json) =>
        ReadSettings(json).ToImmutableDictionary(pair => CultureInfo.GetCultureInfo(pair.Key), pair => pair.Value);

    public static string? WriteNames(ImmutableDictionary<CultureInfo, string> names) =>
        WriteSettings(names.ToImmutableDictionary(pair => pair.Key.Name, pair => pair.Value, StringComparer.Ordinal));

    public static async ValueTask CreateAsync(TableClient table, ITableEntity row, CancellationToken cancellationToken)
    {
        var response = await table.AddEntityAsync(row, cancellationToken);
        row.ETag = response.Headers.ETag ?? default;
    }

    /// <summary>Replaces the row if it is unchanged since it was read; otherwise OpenIddict's concurrency exception.</summary>
    public static async ValueTask UpdateAsync(TableClient table, ITableEntity row, CancellationToken cancellationToken)
    {
        try
        {
            var response = await table.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace, cancellationToken);
            row.ETag = response.Headers.ETag ?? default;
        }
        catch (RequestFailedException e) when (e.Status is 404 or 412)
        {
            throw new OpenIddictExceptions.ConcurrencyException("The row was changed or removed by another request since it was read.", e);
        }
    }

    public static async ValueTask DeleteAsync(TableClient table, ITableEntity row, CancellationToken cancellationToken)
    {
        try
        {
            await table.DeleteEntityAsync(row.PartitionKey, row.RowKey, row.ETag, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == 412)
        {
            throw new OpenIddictExceptions.ConcurrencyException("The row was changed by another request since it was read.", e);
        }
    }

    public static async ValueTask<T?> FindAsync<T>(TableClient table, string partitionKey, string rowKey, CancellationToken cancellationToken)
        where T : class, ITableEntity
    {
        var response = await table.GetEntityIfExistsAsync<T>(partitionKey, rowKey, cancellationToken: cancellationToken);
        return response.HasValue ? response.Value : null;
    }

    /// <summary>Sets only the status column, whatever the row's ETag: revoking wins over any concurrent change.</summary>
    public static async ValueTask MarkRevokedAsync(TableClient table, ITableEntity row, CancellationToken cancellationToken)
    {
        var revoked = new TableEntity(row.PartitionKey, row.RowKey) { ["Status"] = OpenIddictConstants.Statuses.Revoked };
        try
        {
            await table.UpdateEntityAsync(revoked, ETag.All, TableUpdateMode.Merge, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            // Already gone: nothing left to revoke.
        }
    }

    /// <summary>A store setter: OpenIddict sets fields one by one, then calls create or update.</summary>
    public static ValueTask Set(Action assign)
    {
        assign();
        return ValueTask.CompletedTask;
    }

    /// <summary>Store members OpenIddict's server never calls (LINQ queries over the whole store, paging by offset).</summary>
    public static NotSupportedException NotSupported() =>
        new("The Table Storage stores answer only the lookups OpenIddict's server and the account page make (by id, by user, by grant).");
}

[JsonSerializable(typeof(string[]))]
[JsonSerializable(typeof(Dictionary<string, JsonElement>))]
[JsonSerializable(typeof(Dictionary<string, string>))]
internal sealed partial class OAuthStoreJson : JsonSerializerContext;
