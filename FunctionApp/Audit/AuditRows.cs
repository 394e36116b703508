using System.Globalization;
using System.Security.Cryptography;
using Azure.Data.Tables;
using McpFunctions.Storage;

namespace McpFunctions.Audit;

/// <summary>
/// The rows of the audit table: one partition per principal, row keys that sort newest first, and reading a page of
/// one principal's rows. The layout is in docs/storage.md.
/// </summary>
internal static class AuditRows
{
    /// <summary>Partition of events that have no signed-in user yet (dynamic registrations). Never an encoded id: those escape <c>~</c> as <c>~XX</c> with hex digits.</summary>
    public const string NoPrincipalPartition = "~anonymous";

    public const int PageSize = 50;

    /// <summary>The row key of an event at <paramref name="at"/>: 19 digits of inverted ticks (newest sorts first), a dash, 8 random hex digits.</summary>
    public static string RowKey(DateTimeOffset at) =>
        InvertedTicks(at) + "-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));

    /// <summary>The row-key prefix of <paramref name="at"/>: every row of an earlier event sorts after it.</summary>
    public static string InvertedTicks(DateTimeOffset at) =>
        (DateTimeOffset.MaxValue.UtcTicks - at.UtcTicks).ToString("D19", CultureInfo.InvariantCulture);

    public static TableEntity ToEntity(string partitionKey, DateTimeOffset at, AuditEvent e)
    {
        var entity = new TableEntity(partitionKey, RowKey(at))
        {
            ["Kind"] = e.Kind,
            ["Action"] = e.Action,
            ["Outcome"] = e.Outcome,
            ["OccurredAt"] = at,
        };
        Set(entity, "ClientId", e.ClientId);
        Set(entity, "ClientName", e.ClientName);
        Set(entity, "GrantId", e.GrantId);
        if (e.DurationMs is { } duration)
        {
            entity["DurationMs"] = Math.Round(duration, 3);
        }

        if (e.Calls > 1)
        {
            entity["Calls"] = e.Calls;
            entity["MaxDurationMs"] = Math.Round(e.MaxDurationMs ?? 0, 3);
        }

        return entity;
    }

    /// <summary>A row key from a page link, if it can be one (digits, a dash, hex): anything else starts at the newest row.</summary>
    public static string? ValidRowKey(string? value) =>
        value is { Length: > 0 and <= 40 } && value.All(c => char.IsAsciiDigit(c) || c == '-' || char.IsAsciiHexDigitLower(c)) ? value : null;

    /// <summary>Up to <see cref="PageSize"/> of one principal's events, newest first, older than the row <paramref name="after"/> when given.</summary>
    public static async Task<IReadOnlyList<AuditRow>> ReadPageAsync(StorageTables tables, string partitionKey, string? after, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(StorageNames.Audit, cancellationToken);
        var filter = after is null
            ? TableClient.CreateQueryFilter($"PartitionKey eq {partitionKey}")
            : TableClient.CreateQueryFilter($"PartitionKey eq {partitionKey} and RowKey gt {after}");
        var rows = new List<AuditRow>(PageSize);
        await foreach (var entity in table.QueryAsync<TableEntity>(filter, maxPerPage: PageSize, cancellationToken: cancellationToken))
        {
            rows.Add(new AuditRow(entity.RowKey, entity.GetDateTimeOffset("OccurredAt") ?? entity.Timestamp ?? default,
                new AuditEvent(entity.GetString("Kind") ?? "", entity.GetString("Action") ?? "", entity.GetString("Outcome") ?? "")
                {
                    ClientId = entity.GetString("ClientId"),
                    ClientName = entity.GetString("ClientName"),
                    GrantId = entity.GetString("GrantId"),
                    DurationMs = entity.GetDouble("DurationMs"),
                    Calls = entity.GetInt32("Calls") ?? 1,
                    MaxDurationMs = entity.GetDouble("MaxDurationMs"),
                }));
            if (rows.Count == PageSize)
            {
                break;
            }
        }

        return rows;
    }

    /// <summary>Client-supplied names are cut so a row stays small.</summary>
    private static void Set(TableEntity entity, string column, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            entity[column] = value.Length <= 200 ? value : value[..200];
        }
    }
}

/// <summary>One stored event, read back.</summary>
internal sealed record AuditRow(string RowKey, DateTimeOffset OccurredAt, AuditEvent Event);
