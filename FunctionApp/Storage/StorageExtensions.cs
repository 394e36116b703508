using Microsoft.Extensions.Azure;

namespace McpFunctions.Storage;

public static class StorageExtensions
{
    /// <summary>Registers the Azure clients (from Functions-style settings) and the per-user stores.</summary>
    public static IServiceCollection AddStorage(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<StorageOptions>()
            .Bind(configuration.GetSection(StorageOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();

        services.AddAzureClientsCore();
        services.AddSingleton(sp => StorageConnection.CreateClients(configuration, sp.GetRequiredService<AzureComponentFactory>()));
        services.AddSingleton(sp => sp.GetRequiredService<StorageClients>().Tables);
        services.AddSingleton(sp => sp.GetRequiredService<StorageClients>().Blobs);
        services.AddSingleton<StorageTables>();
        services.AddSingleton<StorageContainers>();

        services.AddSingleton<NoteStore>();
        services.AddSingleton<PreferenceStore>();
        services.AddSingleton<UserFileStore>();
        return services;
    }
}
