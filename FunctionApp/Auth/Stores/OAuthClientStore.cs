using System.Collections.Immutable;
using System.Globalization;
using System.Runtime.CompilerServices;
using McpFunctions.Auth.Clients;
using McpFunctions.Storage;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;

namespace McpFunctions.Auth.Stores;

/// <summary>OpenIddict's application store on the <see cref="StorageNames.OAuthClients"/> table; a client's id is its client id.</summary>
/// <remarks>A client id that is an https URL is a client metadata document, resolved through <see cref="ClientMetadataDocuments"/>.</remarks>
internal sealed class OAuthClientStore(StorageTables tables, ClientMetadataDocuments documents, TimeProvider time) : IOpenIddictApplicationStore<OAuthClient>
{
    /// <summary>A registration unused this long is removed (<see cref="OAuthClientUse"/> slides it on use).</summary>
    public static readonly TimeSpan RegistrationLifetime = TimeSpan.FromDays(90);

    public async ValueTask CreateAsync(OAuthClient application, CancellationToken cancellationToken)
    {
        application.PartitionKey = StorageKey.Encode(application.ClientId ?? throw new ArgumentException("A client needs a client id."));
        application.Source ??= OAuthClient.RegisteredSource;
        application.ExpiresAt ??= time.GetUtcNow() + RegistrationLifetime;
        await OAuthRows.CreateAsync(await TableAsync(cancellationToken), application, cancellationToken);
    }

    public async ValueTask UpdateAsync(OAuthClient application, CancellationToken cancellationToken) =>
        await OAuthRows.UpdateAsync(await TableAsync(cancellationToken), application, cancellationToken);

    public async ValueTask DeleteAsync(OAuthClient application, CancellationToken cancellationToken) =>
        await OAuthRows.DeleteAsync(await TableAsync(cancellationToken), application, cancellationToken);

    public ValueTask<OAuthClient?> FindByIdAsync(string identifier, CancellationToken cancellationToken) => FindByClientIdAsync(identifier, cancellationToken);

    public async ValueTask<OAuthClient?> FindByClientIdAsync(string identifier, CancellationToken cancellationToken)
    {
        if (identifier.Length is 0 or > ClientIds.MaxLength)
        {
            return null;
        }

        if (ClientIds.IsMetadataDocumentUrl(identifier, out var url))
        {
            return await documents.ResolveAsync(identifier, url, cancellationToken);
        }

        return await OAuthRows.FindAsync<OAuthClient>(await TableAsync(cancellationToken), StorageKey.Encode(identifier), "", cancellationToken);
    }

    // Only the end-session endpoint looks clients up by redirect URI, and this server has none.
    public IAsyncEnumerable<OAuthClient> FindByPostLogoutRedirectUriAsync(string uri, CancellationToken cancellationToken) => AsyncEnumerable.Empty<OAuthClient>();

    public IAsyncEnumerable<OAuthClient> FindByRedirectUriAsync(string uri, CancellationToken cancellationToken) => AsyncEnumerable.Empty<OAuthClient>();

    public ValueTask<OAuthClient> InstantiateAsync(CancellationToken cancellationToken) => new(new OAuthClient());

    public ValueTask<string?> GetIdAsync(OAuthClient application, CancellationToken cancellationToken) => new(application.ClientId);
    public ValueTask<string?> GetClientIdAsync(OAuthClient application, CancellationToken cancellationToken) => new(application.ClientId);
    public ValueTask<string?> GetClientSecretAsync(OAuthClient application, CancellationToken cancellationToken) => new(application.ClientSecretHash);
    public ValueTask<string?> GetClientTypeAsync(OAuthClient application, CancellationToken cancellationToken) => new(application.ClientType);
    public ValueTask<string?> GetApplicationTypeAsync(OAuthClient application, CancellationToken cancellationToken) => new(application.ApplicationType);
    public ValueTask<string?> GetConsentTypeAsync(OAuthClient application, CancellationToken cancellationToken) => new(application.ConsentType);
    public ValueTask<string?> GetDisplayNameAsync(OAuthClient application, CancellationToken cancellationToken) => new(application.DisplayName);
    public ValueTask<ImmutableDictionary<CultureInfo, string>> GetDisplayNamesAsync(OAuthClient application, CancellationToken cancellationToken) => new(OAuthRows.ReadNames(application.DisplayNames));
    public ValueTask<JsonWebKeySet?> GetJsonWebKeySetAsync(OAuthClient application, CancellationToken cancellationToken) => new((JsonWebKeySet?)null);
    public ValueTask<ImmutableArray<string>> GetPermissionsAsync(OAuthClient application, CancellationToken cancellationToken) => new(OAuthRows.ReadList(application.Permissions));
    public ValueTask<ImmutableArray<string>> GetPostLogoutRedirectUrisAsync(OAuthClient application, CancellationToken cancellationToken) => new(OAuthRows.ReadList(application.PostLogoutRedirectUris));
    public ValueTask<ImmutableDictionary<string, JsonElement>> GetPropertiesAsync(OAuthClient application, CancellationToken cancellationToken) => new(OAuthRows.ReadBag(application.Properties));
    public ValueTask<ImmutableArray<string>> GetRedirectUrisAsync(OAuthClient application, CancellationToken cancellationToken) => new(OAuthRows.ReadList(application.RedirectUris));
    public ValueTask<ImmutableArray<string>> GetRequirementsAsync(OAuthClient application, CancellationToken cancellationToken) => new(OAuthRows.ReadList(application.Requirements));
    public ValueTask<ImmutableDictionary<string, string>> GetSettingsAsync(OAuthClient application, CancellationToken cancellationToken) => new(OAuthRows.ReadSettings(application.Settings));

    public ValueTask SetClientIdAsync(OAuthClient application, string? identifier, CancellationToken cancellationToken) => OAuthRows.Set(() => application.ClientId = identifier);
    public ValueTask SetClientSecretAsync(OAuthClient application, string? secret, CancellationToken cancellationToken) => OAuthRows.Set(() => application.ClientSecretHash = secret);
    public ValueTask SetClientTypeAsync(OAuthClient application, string? type, CancellationToken cancellationToken) => OAuthRows.Set(() => application.ClientType = type);
    public ValueTask SetApplicationTypeAsync(OAuthClient application, string? type, CancellationToken cancellationToken) => OAuthRows.Set(() => application.ApplicationType = type);
    public ValueTask SetConsentTypeAsync(OAuthClient application, string? type, CancellationToken cancellationToken) => OAuthRows.Set(() => application.ConsentType = type);
    public ValueTask SetDisplayNameAsync(OAuthClient application, string? name, CancellationToken cancellationToken) => OAuthRows.Set(() => application.DisplayName = name);
    public ValueTask SetDisplayNamesAsync(OAuthClient application, ImmutableDictionary<CultureInfo, string> names, CancellationToken cancellationToken) => OAuthRows.Set(() => application.DisplayNames = OAuthRows.WriteNames(names));
    public ValueTask SetPermissionsAsync(OAuthClient application, ImmutableArray<string> permissions, CancellationToken cancellationToken) => OAuthRows.Set(() => application.Permissions = OAuthRows.WriteList(permissions));
    public ValueTask SetPostLogoutRedirectUrisAsync(OAuthClient application, ImmutableArray<string> uris, CancellationToken cancellationToken) => OAuthRows.Set(() => application.PostLogoutRedirectUris = OAuthRows.WriteList(uris));
    public ValueTask SetPropertiesAsync(OAuthClient application, ImmutableDictionary<string, JsonElement> properties, CancellationToken cancellationToken) => OAuthRows.Set(() => application.Properties = OAuthRows.WriteBag(properties));
    public ValueTask SetRedirectUrisAsync(OAuthClient application, ImmutableArray<string> uris, CancellationToken cancellationToken) => OAuthRows.Set(() => application.RedirectUris = OAuthRows.WriteList(uris));
    public ValueTask SetRequirementsAsync(OAuthClient application, ImmutableArray<string> requirements, CancellationToken cancellationToken) => OAuthRows.Set(() => application.Requirements = OAuthRows.WriteList(requirements));
    public ValueTask SetSettingsAsync(OAuthClient application, ImmutableDictionary<string, string> settings, CancellationToken cancellationToken) => OAuthRows.Set(() => application.Settings = OAuthRows.WriteSettings(settings));

    // Clients authenticate with a secret or not at all (public clients); key-based client authentication is not offered.
    public ValueTask SetJsonWebKeySetAsync(OAuthClient application, JsonWebKeySet? set, CancellationToken cancellationToken) =>
        set is null ? ValueTask.CompletedTask : throw new NotSupportedException("Clients that authenticate with keys are not supported.");

    public ValueTask<long> CountAsync(CancellationToken cancellationToken) => throw OAuthRows.NotSupported();
    public ValueTask<long> CountAsync<TResult>(Func<IQueryable<OAuthClient>, IQueryable<TResult>> query, CancellationToken cancellationToken) => throw OAuthRows.NotSupported();
    public ValueTask<TResult?> GetAsync<TState, TResult>(Func<IQueryable<OAuthClient>, TState, IQueryable<TResult>> query, TState state, CancellationToken cancellationToken) => throw OAuthRows.NotSupported();
    public IAsyncEnumerable<OAuthClient> ListAsync(int? count, int? offset, CancellationToken cancellationToken) => throw OAuthRows.NotSupported();
    public IAsyncEnumerable<TResult> ListAsync<TState, TResult>(Func<IQueryable<OAuthClient>, TState, IQueryable<TResult>> query, TState state, CancellationToken cancellationToken) => throw OAuthRows.NotSupported();

    private ValueTask<Azure.Data.Tables.TableClient> TableAsync(CancellationToken cancellationToken) => tables.GetAsync(StorageNames.OAuthClients, cancellationToken);
}
