using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.Azure;

namespace McpFunctions.Storage;

internal static class StorageExtensions
{
    /// <summary>Registers the Azure clients (from Functions-style settings), the table and container clients, and the shared Data Protection key ring.</summary>
    public static IServiceCollection AddStorage(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<StorageOptions>()
            .Bind(configuration.GetSection(StorageOptions.SectionName))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<StorageOptions>, StorageOptionsValidator>();

        services.AddAzureClientsCore();
        services.AddSingleton(sp => StorageConnection.CreateClients(configuration, sp.GetRequiredService<AzureComponentFactory>()));
        services.AddSingleton(sp => sp.GetRequiredService<StorageClients>().Tables);
        services.AddSingleton(sp => sp.GetRequiredService<StorageClients>().Blobs);
        services.AddSingleton(sp => new Lazy<TableServiceClient>(sp.GetRequiredService<TableServiceClient>));
        services.AddSingleton(sp => new Lazy<BlobServiceClient>(sp.GetRequiredService<BlobServiceClient>));
        services.AddSingleton<StorageTables>();
        services.AddSingleton<StorageContainers>();

        // One Data Protection key ring for all instances (protected MRTR request state, later sign-in cookies).
        services.AddDataProtection().SetApplicationName("McpFunctions");
        services.AddOptions<KeyManagementOptions>().Configure<BlobServiceClient, IOptions<StorageOptions>>((keys, blobs, storage) =>
            keys.XmlRepository = new BlobXmlRepository(blobs, storage.Value.KeysContainer));

        return services;
    }

    /// <summary>
    /// Loads the Data Protection key ring when it is first used instead of at start-up: loading it reads Blob
    /// Storage, which would lengthen every cold start and tie start-up to storage being reachable. Call it after
    /// every other registration: authentication, among others, adds the start-up loader back.
    /// </summary>
    public static IServiceCollection LoadDataProtectionKeysOnFirstUse(this IServiceCollection services)
    {
        var keyRingLoaders = services.Where(d => d.ServiceType == typeof(IHostedService)
            && d.ImplementationType?.FullName == "Microsoft.AspNetCore.DataProtection.Internal.DataProtectionHostedService").ToList();
        foreach (var loader in keyRingLoaders)
        {
            services.Remove(loader);
        }

        return services;
    }
}
