using Azure.Core;
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

    public static StorageClients CreateClients(
        IConfiguration configuration, AzureComponentFactory componentFactory)
    {
        var section = configuration.GetSection(SettingName);
        var tableOptions = new TableClientOptions();
        var blobOptions = new BlobClientOptions();
        tableOptions.Retry.NetworkTimeout = blobOptions.Retry.NetworkTimeout = TimeSpan.FromSeconds(30);

        if (!string.IsNullOrWhiteSpace(section.Value))
        {
            return new StorageClients(new TableServiceClient(section.Value, tableOptions), new BlobServiceClient(section.Value, blobOptions));
        }

        var accountName = section["accountName"];
        var tableUri = section["tableServiceUri"] ?? (accountName is null ? null : $"https://{accountName}.table.core.windows.net");
        var blobUri = section["blobServiceUri"] ?? (accountName is null ? null : $"https://{accountName}.blob.core.windows.net");
        if (tableUri is null || blobUri is null)
        {
            throw new InvalidOperationException(
                $"Storage is not configured. Set '{SettingName}' to a connection string, or set " +
                $"'{SettingName}__tableServiceUri' and '{SettingName}__blobServiceUri' (or '{SettingName}__accountName') " +
                $"with '{SettingName}__credential=managedidentity'.");
        }

        TokenCredential credential = componentFactory.CreateTokenCredential(section);
        return new StorageClients(new TableServiceClient(new Uri(tableUri), credential, tableOptions),
                new BlobServiceClient(new Uri(blobUri), credential, blobOptions));
    }
}
