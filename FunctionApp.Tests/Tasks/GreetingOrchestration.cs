using DurableTask.Core;

namespace McpFunctions.Tests.Tasks;

/// <summary>The spike's orchestration: one activity call, its result is the orchestration's output.</summary>
internal sealed class GreetingOrchestration : TaskOrchestration<string, string>
{
    public override Task<string> RunTask(OrchestrationContext context, string input) =>
        context.ScheduleTask<string>(typeof(GreetingActivity), input);
}
