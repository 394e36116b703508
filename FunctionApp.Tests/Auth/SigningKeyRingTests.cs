using Azure.Data.Tables;
using McpFunctions.Auth;
using McpFunctions.Auth.Server;
using McpFunctions.Storage;
using McpFunctions.Tests.Fixtures;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace McpFunctions.Tests.Auth;

/// <summary>
/// The authorization server's keys in Table Storage: created once per rotation period (however many instances race),
/// the next one published a day before it signs anything, the previous one kept for a period, and stored only in
/// Data Protection's wrapping.
/// </summary>
public sealed class SigningKeyRingTests
{
    private static readonly TimeSpan Rotation = TimeSpan.FromDays(30);

    private readonly IDataProtectionProvider _protection = new EphemeralDataProtectionProvider();
    private StorageTables _tables = null!;
    private string _prefix = null!;

    [SetUp]
    public void UseTablesOfThisTest()
    {
        _prefix = "keys" + Guid.NewGuid().ToString("N")[..10];
        _tables = new StorageTables(new Lazy<TableServiceClient>(() => new TableServiceClient(TestRun.Azurite.ConnectionString)),
            Options.Create(new StorageOptions { TablePrefix = _prefix }));
    }

    [Test]
    public async Task Keys_rotate_with_overlap_the_next_published_before_it_signs_and_the_previous_kept_for_a_period()
    {
        var period = DateTimeOffset.UtcNow.UtcTicks / Rotation.Ticks + 1;
        var time = new FakeTimeProvider(new DateTimeOffset(period * Rotation.Ticks, TimeSpan.Zero) + TimeSpan.FromHours(1));
        var ring = Ring(time);

        var first = ring.Current;
        Assert.That(first.Signing.Select(k => k.KeyId), Is.EqualTo(new[] { $"sig-{period}" }));
        Assert.That(first.Encryption, Has.Length.EqualTo(1));

        time.SetUtcNow(new DateTimeOffset((period + 1) * Rotation.Ticks, TimeSpan.Zero) - TimeSpan.FromHours(12));
        var beforeBoundary = await ReloadedAsync(ring, first);
        Assert.That(beforeBoundary.Signing.Select(k => k.KeyId), Is.EqualTo(new[] { $"sig-{period}", $"sig-{period + 1}" }), "the next key is published, not yet used");

        time.SetUtcNow(new DateTimeOffset((period + 1) * Rotation.Ticks, TimeSpan.Zero) + TimeSpan.FromHours(2));
        var afterBoundary = await ReloadedAsync(ring, beforeBoundary);
        Assert.That(afterBoundary.Signing.Select(k => k.KeyId), Is.EqualTo(new[] { $"sig-{period + 1}", $"sig-{period}" }), "the new key signs; the old one still validates");

        time.SetUtcNow(new DateTimeOffset((period + 2) * Rotation.Ticks, TimeSpan.Zero) + TimeSpan.FromHours(2));
        var later = await ReloadedAsync(ring, afterBoundary);
        Assert.That(later.Signing.Select(k => k.KeyId), Is.EqualTo(new[] { $"sig-{period + 2}", $"sig-{period + 1}" }), "a key two periods old is no longer published");
    }

    [Test]
    public async Task Instances_starting_at_once_share_one_key_per_period_and_store_it_wrapped()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var rings = Enumerable.Range(0, 4).Select(_ => Ring(time)).ToArray();

        var keys = await Task.WhenAll(rings.Select(r => Task.Run(() => r.Current)));

        Assert.That(keys.Select(k => k.Signing[0].KeyId).Distinct(), Has.Exactly(1).Items);
        Assert.That(keys.Select(k => Convert.ToBase64String(((Microsoft.IdentityModel.Tokens.RsaSecurityKey)k.Signing[0]).Rsa.ExportSubjectPublicKeyInfo())).Distinct(), Has.Exactly(1).Items);
        var table = new TableServiceClient(TestRun.Azurite.ConnectionString).GetTableClient(_prefix + StorageNames.OAuthKeys);
        await foreach (var row in table.QueryAsync<TableEntity>())
        {
            var stored = row.GetString("Protected");
            Assert.That(stored, Is.Not.Empty);
            Assert.That(() => System.Security.Cryptography.RSA.Create().ImportPkcs8PrivateKey(Convert.FromBase64String(stored), out _), Throws.InstanceOf<System.Security.Cryptography.CryptographicException>(),
                "the stored value is not a bare private key");
        }
    }

    [Test]
    public void Keys_whose_wrapping_was_lost_are_replaced_instead_of_stopping_the_server()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var before = Ring(time).Current;

        var after = Ring(time, new EphemeralDataProtectionProvider()).Current;

        Assert.That(after.Signing[0].KeyId, Is.EqualTo(before.Signing[0].KeyId), "the same period");
        Assert.That(PublicKey(after.Signing[0]), Is.Not.EqualTo(PublicKey(before.Signing[0])), "a new key");
        Assert.That(after.Encryption, Has.Length.EqualTo(1));
    }

    private static string PublicKey(Microsoft.IdentityModel.Tokens.SecurityKey key) =>
        Convert.ToBase64String(((Microsoft.IdentityModel.Tokens.RsaSecurityKey)key).Rsa.ExportSubjectPublicKeyInfo());

    private SigningKeyRing Ring(TimeProvider time, IDataProtectionProvider? protection = null) =>
        new(_tables, protection ?? _protection, new FixedOptions<AuthOptions>(new AuthOptions { SigningKeyRotation = Rotation }), time, NullLogger<SigningKeyRing>.Instance);

    /// <summary>Asks for the keys (which starts the hourly reload) until the reload has landed.</summary>
    private static async Task<SigningKeyRing.Keys> ReloadedAsync(SigningKeyRing ring, SigningKeyRing.Keys previous)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            if (!ReferenceEquals(ring.Current, previous))
            {
                return ring.Current;
            }

            await Task.Delay(20);
        }

        throw new TimeoutException("The key ring did not reload.");
    }

    private sealed class FixedOptions<T>(T value) : IOptionsMonitor<T>
    {
        public T CurrentValue => value;

        public T Get(string? name) => value;

        public IDisposable? OnChange(Action<T, string?> listener) => null;
    }
}
