namespace McpFunctions.Hosting;

/// <summary>
/// Starts the app's background services only once the app is serving, a moment after start-up, so that their
/// storage clients, first heartbeat and first polls never delay the first request of a cold instance.
/// </summary>
internal sealed class DeferredBackgroundWork(IServiceProvider services, IHostApplicationLifetime lifetime, ILogger<DeferredBackgroundWork> logger) : IHostedService
{
    /// <summary>How long after the app started the background services start.</summary>
    public static readonly TimeSpan Delay = TimeSpan.FromMilliseconds(500);

    private readonly List<IHostedService> _started = [];
    private readonly CancellationTokenSource _stopping = new();
    private Task _starting = Task.CompletedTask;

    /// <summary>The background services to start, registered with <see cref="HostingExtensions.AddDeferredBackgroundWork{T}"/>.</summary>
    public sealed record Registration(Type ServiceType);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStarted.Register(() => _starting = StartDeferredAsync(_stopping.Token));
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        try
        {
            await _starting;
        }
        catch (OperationCanceledException)
        {
        }

        foreach (var service in Enumerable.Reverse(_started))
        {
            await service.StopAsync(cancellationToken);
        }
    }

    private async Task StartDeferredAsync(CancellationToken cancellationToken)
    {
        await Task.Delay(Delay, cancellationToken);
        foreach (var registration in services.GetServices<Registration>())
        {
            var service = (IHostedService)services.GetRequiredService(registration.ServiceType);
            await service.StartAsync(cancellationToken);
            _started.Add(service);
        }

        logger.LogDebug("Started {Count} background services", _started.Count);
    }
}
