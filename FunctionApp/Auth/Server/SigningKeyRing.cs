using System.Security.Cryptography;
using Azure;
using Azure.Data.Tables;
using McpFunctions.Storage;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Primitives;
using Microsoft.IdentityModel.Tokens;

namespace McpFunctions.Auth.Server;

/// <summary>
/// The authorization server's keys: RSA keys that sign access tokens (published in JWKS) and AES keys that encrypt
/// codes and refresh tokens. They live in the <see cref="StorageNames.OAuthKeys"/> table, each wrapped by ASP.NET Core
/// Data Protection (whose own key ring is in the keys container), so no key is in the repository or in app settings.
/// </summary>
/// <remarks>
/// One key per rotation period and kind, with the period number as its row key: instances that create the same key
/// at once collide on the row, and the loser reads the winner's. The next period's key is created a day early and
/// published at once, so every instance (reloading hourly) knows it before anything is signed with it; the previous
/// one stays published for a period, so tokens signed just before a rotation still validate.
/// </remarks>
internal sealed class SigningKeyRing(StorageTables tables, IDataProtectionProvider protection, IOptionsMonitor<AuthOptions> options, TimeProvider time, ILogger<SigningKeyRing> logger)
    : IOptionsChangeTokenSource<OpenIddict.Server.OpenIddictServerOptions>
{
    private const string SigningKind = "signing";
    private const string EncryptionKind = "encryption";
    private static readonly TimeSpan Lead = TimeSpan.FromDays(1);
    private static readonly TimeSpan ReloadInterval = TimeSpan.FromHours(1);

    private readonly IDataProtector _protector = protection.CreateProtector("McpFunctions.Auth.SigningKeyRing");
    private readonly Lock _gate = new();
    private Keys? _keys;
    private CancellationTokenSource _changed = new();

    public string? Name => Microsoft.Extensions.Options.Options.DefaultName;

    /// <summary>The keys now: signing key first. Loaded on first use (not at start-up) and again after <see cref="ReloadInterval"/>.</summary>
    public Keys Current
    {
        get
        {
            var keys = _keys;
            if (keys is null)
            {
                lock (_gate)
                {
                    // The options system asks synchronously; this runs once per process and once an hour after.
                    keys = _keys ??= LoadAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();
                }
            }
            else if (time.GetUtcNow() - keys.LoadedAt > ReloadInterval)
            {
                _ = ReloadInBackgroundAsync();
            }

            return keys;
        }
    }

    public IChangeToken GetChangeToken() => new CancellationChangeToken(_changed.Token);

    private async Task ReloadInBackgroundAsync()
    {
        var previous = _keys;
        try
        {
            var keys = await LoadAsync(CancellationToken.None);
            if (Interlocked.CompareExchange(ref _keys, keys, previous) == previous)
            {
                var changed = Interlocked.Exchange(ref _changed, new CancellationTokenSource());
                changed.Cancel();
            }
        }
        catch (Exception e) when (e is RequestFailedException or CryptographicException or OperationCanceledException)
        {
            logger.LogWarning(e, "Reloading the OAuth key ring failed; the loaded keys stay in use");
        }
    }

    private async ValueTask<Keys> LoadAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var rotation = options.CurrentValue.SigningKeyRotation;
        var period = now.UtcTicks / rotation.Ticks;
        var table = await tables.GetAsync(StorageNames.OAuthKeys, cancellationToken);
        var rows = new Dictionary<(string Kind, long Period), KeyRow>();
        await foreach (var row in table.QueryAsync<KeyRow>(cancellationToken: cancellationToken))
        {
            rows[(row.PartitionKey, long.Parse(row.RowKey, System.Globalization.CultureInfo.InvariantCulture))] = row;
        }

        var wanted = new List<long> { period };
        if (new DateTimeOffset((period + 1) * rotation.Ticks, TimeSpan.Zero) - now < Lead)
        {
            wanted.Add(period + 1);
        }

        // Encrypted codes and refresh tokens must stay readable for a refresh token's whole life.
        var encryptionPeriods = (long)Math.Ceiling(options.CurrentValue.RefreshTokenLifetime / rotation) + 1;
        var keys = new Dictionary<(string Kind, long Period), SecurityKey>();
        foreach (var ((kind, p), row) in rows)
        {
            if (p >= period - (kind == SigningKind ? 1 : encryptionPeriods) && Unwrap(kind, p, row) is { } key)
            {
                keys[(kind, p)] = key;
            }
        }

        foreach (var kind in new[] { SigningKind, EncryptionKind })
        {
            foreach (var p in wanted.Where(p => !keys.ContainsKey((kind, p))))
            {
                if (rows.TryGetValue((kind, p), out var unreadable))
                {
                    // Its wrapping key is gone (the Data Protection key ring was lost): nothing can use it, so replace it.
                    logger.LogError("The OAuth {Kind} key for period {Period} cannot be unwrapped; it is replaced, and tokens it protected stop working", kind, p);
                    await DeleteAsync(table, unreadable, cancellationToken);
                }

                keys[(kind, p)] = Unwrap(kind, p, await CreateAsync(table, kind, p, cancellationToken))
                    ?? throw new CryptographicException($"The new OAuth {kind} key for period {p} cannot be unwrapped.");
            }
        }

        SecurityKey[] Ordered(string kind) =>
            [.. keys.Where(k => k.Key.Kind == kind).OrderBy(k => k.Key.Period == period ? 0 : 1).ThenByDescending(k => k.Key.Period).Select(k => k.Value)];
        return new Keys(Ordered(SigningKind), Ordered(EncryptionKind), now);
    }

    private SecurityKey? Unwrap(string kind, long period, KeyRow row)
    {
        try
        {
            return kind == SigningKind ? ToRsaKey(row) : new SymmetricSecurityKey(Unprotect(row)) { KeyId = $"enc-{period}" };
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    private static async ValueTask DeleteAsync(TableClient table, KeyRow row, CancellationToken cancellationToken)
    {
        try
        {
            await table.DeleteEntityAsync(row.PartitionKey, row.RowKey, row.ETag, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status is 404 or 412)
        {
            // Another instance replaced it first; the create below then reads that one.
        }
    }

    private async ValueTask<KeyRow> CreateAsync(TableClient table, string kind, long period, CancellationToken cancellationToken)
    {
        byte[] material;
        if (kind == SigningKind)
        {
            using var rsa = RSA.Create(2048);
            material = rsa.ExportPkcs8PrivateKey();
        }
        else
        {
            material = RandomNumberGenerator.GetBytes(32);
        }

        var row = new KeyRow
        {
            PartitionKey = kind,
            RowKey = period.ToString("D12", System.Globalization.CultureInfo.InvariantCulture),
            Protected = Convert.ToBase64String(_protector.Protect(material)),
            CreatedAt = time.GetUtcNow(),
        };
        CryptographicOperations.ZeroMemory(material);
        try
        {
            await table.AddEntityAsync(row, cancellationToken);
            logger.LogInformation("Created the OAuth {Kind} key for period {Period}", kind, period);
            return row;
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            return (await table.GetEntityAsync<KeyRow>(kind, row.RowKey, cancellationToken: cancellationToken)).Value;
        }
    }

    private RsaSecurityKey ToRsaKey(KeyRow row)
    {
        var rsa = RSA.Create();
        var material = Unprotect(row);
        rsa.ImportPkcs8PrivateKey(material, out _);
        CryptographicOperations.ZeroMemory(material);
        return new RsaSecurityKey(rsa) { KeyId = $"sig-{row.RowKey.TrimStart('0')}" };
    }

    private byte[] Unprotect(KeyRow row) => _protector.Unprotect(Convert.FromBase64String(row.Protected ?? ""));

    /// <summary>Signing keys (the one to sign with first) and encryption keys (the one to encrypt with first).</summary>
    internal sealed record Keys(SecurityKey[] Signing, SecurityKey[] Encryption, DateTimeOffset LoadedAt);

    /// <summary>PartitionKey = kind, RowKey = rotation period (12 digits); <see cref="Protected"/> is the Data Protection payload.</summary>
    private sealed class KeyRow : ITableEntity
    {
        public string PartitionKey { get; set; } = "";
        public string RowKey { get; set; } = "";
        public DateTimeOffset? Timestamp { get; set; }
        public ETag ETag { get; set; }
        public string? Protected { get; set; }
        public DateTimeOffset? CreatedAt { get; set; }
    }
}
