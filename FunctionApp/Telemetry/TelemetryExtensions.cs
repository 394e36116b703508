using System.Diagnostics;
using Azure.Monitor.OpenTelemetry.Exporter;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace McpFunctions.Telemetry;

/// <summary>
/// OpenTelemetry traces, metrics and logs: exported to Azure Monitor when <c>APPLICATIONINSIGHTS_CONNECTION_STRING</c>
/// is set, over OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is, and spans to the console with <c>Telemetry:Console</c>.
/// </summary>
/// <remarks>
/// With no exporter nothing is registered: no listener, so the MCP SDK, ASP.NET Core and the Azure SDK start no
/// spans and record no measurements, and a request pays nothing for telemetry.
/// </remarks>
internal static class TelemetryExtensions
{
    public const string ServiceName = "McpFunctions";

    public const string AzureMonitorSettingName = "APPLICATIONINSIGHTS_CONNECTION_STRING";

    public const string OtlpSettingName = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>The Azure SDK's spans come from <c>Azure.*</c> activity sources only with this switch on.</summary>
    private const string AzureActivitySourceSwitch = "Azure.Experimental.EnableActivitySource";

    /// <summary>Azure.Core's own span for an HTTP call; HttpClient's span under it would say the same again.</summary>
    private const string AzureHttpSource = "Azure.Core.Http";

    public static IServiceCollection AddTelemetry(this IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        var options = configuration.GetSection(TelemetryOptions.SectionName).Get<TelemetryOptions>() ?? new TelemetryOptions();
        var azureMonitor = configuration[AzureMonitorSettingName] is { Length: > 0 } connectionString ? connectionString : null;
        var otlp = !string.IsNullOrWhiteSpace(configuration[OtlpSettingName]);
        var console = options.Console ?? environment.IsDevelopment();
        if (azureMonitor is null && !otlp && !console)
        {
            return services;
        }

        var credential = azureMonitor is null ? null : ApplicationInsightsCredential.From(configuration[ApplicationInsightsCredential.SettingName]);
        AppContext.SetSwitch(AzureActivitySourceSwitch, true);
        services.Configure<McpServerOptions>(mcp =>
        {
            mcp.Filters.Message.IncomingFilters.Add(McpSessionTag.Filter);
            // Requests to the client (elicitation, sampling, roots): the SDK starts their span before this filter.
            mcp.Filters.Message.OutgoingFilters.Add(McpSessionTag.Filter);
        });

        var version = typeof(TelemetryExtensions).Assembly.GetName().Version?.ToString(3);
        // OTEL_SERVICE_NAME, when set, names the service instead (a later AddService would override it).
        var serviceName = string.IsNullOrWhiteSpace(configuration["OTEL_SERVICE_NAME"]) ? ServiceName : null;
        var telemetry = services.AddOpenTelemetry()
            .ConfigureResource(resource =>
            {
                if (serviceName is not null)
                {
                    resource.AddService(serviceName, serviceVersion: version);
                }
            })
            .WithTracing(tracing =>
            {
                tracing
                    .AddSource(McpSdkTelemetry.Name, "Azure.*")
                    .AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation(http =>
                        http.FilterHttpRequestMessage = _ => Activity.Current?.Parent?.Source.Name != AzureHttpSource)
                    // Before the exporters: processors run in the order added.
                    .AddProcessor(new SpanRedaction());
                if (azureMonitor is not null)
                {
                    tracing.AddAzureMonitorTraceExporter(exporter => ToAzureMonitor(exporter, azureMonitor, credential));
                }

                if (otlp)
                {
                    tracing.AddOtlpExporter();
                }

                if (console)
                {
                    tracing.AddConsoleExporter();
                }

                // Last: the Azure Monitor exporter sets a rate-limited sampler of its own, which would sample the
                // background work's root spans as well as requests.
                tracing.SetSampler(RequestTraces.Sampler);
            });

        // Metrics and logs go only where they are kept: the console has its own logger, and metrics there are noise.
        if (azureMonitor is null && !otlp)
        {
            return services;
        }

        telemetry.WithMetrics(metrics =>
        {
            metrics
                .AddMeter(McpSdkTelemetry.Name, McpFunctionsMetrics.Name)
                // Request durations by route and status, unhandled exceptions, and the rate limiter's rejections.
                .AddAspNetCoreInstrumentation()
                .AddMeter("Microsoft.AspNetCore.RateLimiting")
                // Outgoing call durations by host and status: Table and Blob Storage errors show here.
                .AddHttpClientInstrumentation()
                .AddView(McpSdkTelemetry.ServerOperationDuration, new MetricStreamConfiguration { TagKeys = McpSdkTelemetry.OperationMetricTags })
                .AddView(McpSdkTelemetry.ClientOperationDuration, new MetricStreamConfiguration { TagKeys = McpSdkTelemetry.OperationMetricTags });
            if (azureMonitor is not null)
            {
                metrics.AddAzureMonitorMetricExporter(exporter => ToAzureMonitor(exporter, azureMonitor, credential));
            }

            if (otlp)
            {
                metrics.AddOtlpExporter();
            }
        });

        telemetry.WithLogging(logging =>
        {
            logging.AddProcessor(new LogRedaction());
            if (azureMonitor is not null)
            {
                logging.AddAzureMonitorLogExporter(exporter => ToAzureMonitor(exporter, azureMonitor, credential));
            }

            if (otlp)
            {
                logging.AddOtlpExporter();
            }
        });

        // The MCP SDK logs whole messages (tool arguments and results) at Trace, for debugging on the console; whatever
        // the configured level, they are not exported.
        services.AddLogging(logging => logging.AddFilter<OpenTelemetryLoggerProvider>("ModelContextProtocol", LogLevel.Debug));
        return services;
    }

    private static void ToAzureMonitor(AzureMonitorExporterOptions exporter, string connectionString, Azure.Core.TokenCredential? credential)
    {
        exporter.ConnectionString = connectionString;
        exporter.Credential = credential;
        // Live metrics come only with UseAzureMonitorExporter, which is not used: it would also send request samples
        // outside the redaction. Off, so the per-signal exporters do not report it as unsupported.
        exporter.EnableLiveMetrics = false;
    }
}
