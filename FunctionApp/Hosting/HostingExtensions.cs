using McpFunctions.Mcp;
using McpFunctions.Storage;
using ModelContextProtocol;
using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace McpFunctions.Hosting;

internal static class HostingExtensions
{
    public static IServiceCollection AddHosting(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<HostingOptions, HostingOptionsValidator>(configuration, HostingOptions.SectionName);
        services.AddValidatedOptions<RateLimitOptions, RateLimitOptionsValidator>(configuration, RateLimitOptions.SectionName);

        services.AddSingleton(TimeProvider.System);
        services.AddOptions<HostOptions>().Configure<IOptions<HostingOptions>>((host, hosting) => host.ShutdownTimeout = hosting.Value.ShutdownTimeout);
        services.AddProblemDetails();

        // The Functions host (and nginx in tests) proxy from loopback; trust X-Forwarded-* only from there (the default).
        services.Configure<ForwardedHeadersOptions>(o =>
            o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto | ForwardedHeaders.XForwardedHost);

        // The request body limit is set per request by RequestGuard.
        services.Configure<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>(kestrel => kestrel.AddServerHeader = false);

        // Browser-based clients (the Inspector's web UI) call cross-origin; they must read the session id header.
        services.AddCors();
        services.AddOptions<CorsOptions>().Configure<IOptionsMonitor<HostingOptions>>((cors, hosting) =>
            cors.AddDefaultPolicy(policy => policy
                .SetIsOriginAllowed(origin => Uri.TryCreate(origin, UriKind.Absolute, out var uri) && RequestGuard.IsListedOrigin(uri, hosting.CurrentValue))
                .WithMethods("GET", "POST", "DELETE")
                .AllowAnyHeader()
                .WithExposedHeaders("Mcp-Session-Id", "Mcp-Protocol-Version", "WWW-Authenticate")
                .SetPreflightMaxAge(TimeSpan.FromMinutes(10))));

        services.AddHealthChecks().AddCheck<StorageHealthCheck>("storage");
        services.AddHostedService<DeferredBackgroundWork>();
        return services;
    }

    /// <summary>Binds an options record to its configuration section and validates it at start-up with its source-generated validator.</summary>
    public static IServiceCollection AddValidatedOptions<TOptions, TValidator>(this IServiceCollection services, IConfiguration configuration, string sectionName)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>
    {
        services.AddOptions<TOptions>().Bind(configuration.GetSection(sectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<TOptions>, TValidator>();
        return services;
    }

    /// <summary>Registers a background service that <see cref="DeferredBackgroundWork"/> starts once the app is serving.</summary>
    public static IServiceCollection AddDeferredBackgroundWork<T>(this IServiceCollection services)
        where T : class, IHostedService
    {
        services.AddSingleton(new DeferredBackgroundWork.Registration(typeof(T)));
        return services;
    }

    /// <summary>Forwarded headers, error responses without details, the Host/Origin/size guard, then CORS for listed origins.</summary>
    public static WebApplication UseHosting(this WebApplication app)
    {
        app.UseForwardedHeaders();
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            // A form or body the client garbled (say, a NUL in a form value) is its error, whoever tried to read it.
            StatusCodeSelector = e => e switch
            {
                BadHttpRequestException bad => bad.StatusCode,
                InvalidDataException => StatusCodes.Status400BadRequest,
                // Params the SDK could not read before any filter runs (initialize's), or that our session code refused.
                JsonException or McpProtocolException => StatusCodes.Status400BadRequest,
                _ when MalformedParams.Describe(e, null) is not null => StatusCodes.Status400BadRequest,
                // Storage did not answer (a session lookup, sign-in state, the event store): the client retries.
                _ when StorageFaults.IsUnavailable(e) => StatusCodes.Status503ServiceUnavailable,
                _ => StatusCodes.Status500InternalServerError,
            },
            ExceptionHandler = WriteUnhandledErrorAsync,
            // A client's bad request (e.g. a body over the limit) is answered with its 4xx; it is not a server error to
            // log. A storage outage is logged once per request as a warning, without a stack trace.
            SuppressDiagnosticsCallback = context => context.Exception is BadHttpRequestException or InvalidDataException or JsonException or McpProtocolException
                || StorageFaults.IsUnavailable(context.Exception) || MalformedParams.Describe(context.Exception, null) is not null,
        });
        app.UseMiddleware<RequestGuard>();
        app.UseCors();
        return app;
    }

    public static IEndpointRouteBuilder MapHosting(this IEndpointRouteBuilder endpoints)
    {
        // The Functions host probes GET / until the handler answers; it also tells a human where things are.
        endpoints.MapGet("/", (RequestDelegate)(context => context.Response.WriteAsJsonAsync(new
        {
            name = "McpFunctions",
            mcp = McpRoutes.StreamableHttp,
            sse = McpRoutes.LegacySse,
            health = "/healthz",
        })));

        endpoints.MapHealthChecks("/healthz", new HealthCheckOptions
        {
            ResponseWriter = WriteHealthAsync,
            ResultStatusCodes =
            {
                [HealthStatus.Healthy] = StatusCodes.Status200OK,
                [HealthStatus.Degraded] = StatusCodes.Status200OK,
                [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable,
            },
        });
        return endpoints;
    }

    private static Task WriteUnhandledErrorAsync(HttpContext context)
    {
        var status = context.Response.StatusCode;
        var fault = context.Features.Get<Microsoft.AspNetCore.Diagnostics.IExceptionHandlerFeature>()?.Error;
        if (status == StatusCodes.Status400BadRequest && McpRoutes.IsAny(context.Request.Path) && fault is not null
            && ((fault as McpProtocolException)?.Message ?? MalformedParams.Describe(fault, context.Request.Headers[McpHeaders.Method].ToString() is { Length: > 0 } method ? method : null)) is { } problem)
        {
            var code = fault is McpProtocolException protocol ? (int)protocol.ErrorCode : (int)McpErrorCode.InvalidParams;
            return McpResponses.WriteErrorAsync(context, status, code, problem);
        }

        if (status == StatusCodes.Status503ServiceUnavailable)
        {
            context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("McpFunctions.Storage")
                .LogWarning("Storage unavailable for {Method} {Path}: {Fault} (in {Origin})", context.Request.Method, context.Request.Path, StorageFaults.Describe(fault), StorageFaults.Origin(fault));
            context.Response.Headers.RetryAfter = StorageFaults.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return ErrorResponses.WriteAsync(context, status, "temporarily_unavailable", StorageFaults.Message);
        }

        var (error, description) = status switch
        {
            StatusCodes.Status413PayloadTooLarge => ("request_too_large", "The request body is larger than this server accepts."),
            >= 400 and < 500 => ("invalid_request", "The request could not be read: its body or form is malformed."),
            _ => ("server_error", $"The server failed to handle the request. Reference: {context.TraceIdentifier}"),
        };
        return ErrorResponses.WriteAsync(context, status, error, description);
    }

    private static Task WriteHealthAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        context.Response.Headers.CacheControl = "no-store";
        var body = new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new
            {
                status = e.Value.Status.ToString(),
                description = e.Value.Description,
                data = e.Value.Data,
            }),
        };
        return JsonSerializer.SerializeAsync(context.Response.Body, body, JsonSerializerOptions.Web, context.RequestAborted);
    }
}
