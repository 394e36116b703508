using McpFunctions.Hosting;

namespace McpFunctions.Audit;

internal static class AuditExtensions
{
    /// <summary>
    /// The audit trail: <see cref="AuditTrail"/> (the queue and its background writer, only started when
    /// <c>Audit:Enabled</c>) and <see cref="AuditSweeper"/> (always, so rows never outlive the retention).
    /// </summary>
    public static IServiceCollection AddAudit(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<AuditOptions, AuditOptionsValidator>(configuration, AuditOptions.SectionName);
        services.AddSingleton<AuditTrail>();
        services.AddSingleton<AuditSweeper>();
        if (configuration.GetSection(AuditOptions.SectionName).Get<AuditOptions>()?.Enabled ?? true)
        {
            services.AddDeferredBackgroundWork<AuditTrail>();
        }

        services.AddDeferredBackgroundWork<AuditSweeper>();
        return services;
    }
}
