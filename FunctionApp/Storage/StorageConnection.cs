using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Azure;

namespace McpFunctions.Storage;

/// <summary>
/// Builds the Table and Blob service clients from the same settings the Functions host reads.
/// </summary>
/// <remarks>
/// Either <c>AzureWebJobsStorage</c> is a connection string (Azurite locally), or it is a section with
/// <c>__tableServiceUri</c> and <c>__blobServiceUri</c> (or <c>__accountName</c>) plus <c>__credential</c>
/// and <c>__clientId</c> for a managed identity. The credential itself comes from Microsoft.Extensions.Azure,
/// which already understands those keys.
/// </remarks>
internal static class StorageConnection
{
    public const string SettingName = "AzureWebJobsStorage";

    /// <summary>Per try: the longest a storage call may go without an answer (each read of a body too).</summary>
    public static readonly TimeSpan NetworkTimeout = TimeSpan.FromSeconds(3);

    /// <summary>
    /// Three tries of at most <see cref="NetworkTimeout"/> each, 0.3 s and 0.6 s apart (exponential, jittered by
    /// Azure.Core): no storage call waits more than about 10 s before it fails, and a request fails after that with
    /// 503 instead of hanging (docs/operations.md). The defaults (100 s per try, three retries) let one request wait
    /// over five minutes, past the Functions host's HTTP limit.
    /// </summary>
    public static void Bound(Azure.Core.RetryOptions retry)
    {
        retry.Mode = RetryMode.Exponential;
        retry.MaxRetries = 2;
        retry.Delay = TimeSpan.FromMilliseconds(300);
        retry.MaxDelay = TimeSpan.FromSeconds(1);
        retry.NetworkTimeout = NetworkTimeout;
    }

    /// <summary>
    /// A service's endpoint from an identity-based section: <c>__{service}ServiceUri</c>, else the public endpoint of
    /// <c>__accountName</c>; null when neither is set. <paramref name="service"/> is <c>blob</c>, <c>queue</c> or <c>table</c>.
    /// </summary>
    public static string? ServiceUri(IConfigurationSection section, string service) =>
        section[$"{service}ServiceUri"] ?? (section["accountName"] is { } account ? $"https://{account}.{service}.core.windows.net" : null);

    public static StorageClients CreateClients(
        IConfiguration configuration, AzureComponentFactory componentFactory)
    {
        var section = configuration.GetSection(SettingName);
        var tableOptions = new TableClientOptions();
        var blobOptions = new BlobClientOptions();
        Bound(tableOptions.Retry);
        Bound(blobOptions.Retry);

        TableServiceClient? tables = null;
        BlobServiceClient? blobs = null;
        Uri? tableUri = null, blobUri = null;
        TokenCredential? credential = null;
        if (string.IsNullOrWhiteSpace(section.Value))
        {
            var tableEndpoint = ServiceUri(section, "table");
            var blobEndpoint = ServiceUri(section, "blob");
            if (tableEndpoint is null || blobEndpoint is null)
            {
                throw new InvalidOperationException(
                    $"Storage is not configured. Set '{SettingName}' to a connection string, or set " +
                    $"'{SettingName}__tableServiceUri' and '{SettingName}__blobServiceUri' (or '{SettingName}__accountName') " +
                    $"with '{SettingName}__credential=managedidentity'.");
            }

            tableUri = new Uri(tableEndpoint);
            blobUri = new Uri(blobEndpoint);
            credential = componentFactory.CreateTokenCredential(section);
        }
        else
        {
            var probe = new TableServiceClient(section.Value);
            tableUri = probe.Uri;
            blobUri = new BlobServiceClient(section.Value).Uri;
        }

        tableOptions.AddPolicy(new MissingStorageRepair(MissingStorageRepair.TableNotFound, tableUri.AbsolutePath.TrimEnd('/'),
            (name, ct) => tables!.CreateTableIfNotExistsAsync(name, ct)), HttpPipelinePosition.PerCall);
        blobOptions.AddPolicy(new MissingStorageRepair(MissingStorageRepair.ContainerNotFound, blobUri.AbsolutePath.TrimEnd('/'),
            (name, ct) => blobs!.GetBlobContainerClient(name).CreateIfNotExistsAsync(cancellationToken: ct)), HttpPipelinePosition.PerCall);
        if (credential is null)
        {
            tables = new TableServiceClient(section.Value, tableOptions);
            blobs = new BlobServiceClient(section.Value, blobOptions);
        }
        else
        {
            tables = new TableServiceClient(tableUri, credential, tableOptions);
            blobs = new BlobServiceClient(blobUri, credential, blobOptions);
        }

        return new StorageClients(tables, blobs);
    }
}
