using McpFunctions.Hosting;

namespace McpFunctions.Tasks;

internal static class TaskExtensions
{
    /// <summary>
    /// Tasks, when <c>Tasks:Enabled</c>: the task hub (worker and client), the runner, the sweeper, and the extension's
    /// methods and tools/call filter on the MCP server. Off: nothing is registered beyond the options, the extension
    /// is not advertised, and task-capable tools run as ordinary calls.
    /// </summary>
    public static IServiceCollection AddTasks(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<TaskOptions, TaskOptionsValidator>(configuration, TaskOptions.SectionName);
        if (configuration.GetSection(TaskOptions.SectionName).Get<TaskOptions>() is not { Enabled: true })
        {
            return services;
        }

        services.AddSingleton<TaskStore>();
        services.AddSingleton<TaskRunner>();
        services.AddSingleton<ToolTaskActivity>();
        services.AddSingleton<TaskCalls>();
        services.AddSingleton<TaskHub>();
        services.AddHostedService(provider => provider.GetRequiredService<TaskHub>());
        services.AddSingleton<TaskSweeper>();
        services.AddDeferredBackgroundWork<TaskSweeper>();
        services.Configure<McpServerOptions>(TaskMethods.Configure);
        return services;
    }
}
