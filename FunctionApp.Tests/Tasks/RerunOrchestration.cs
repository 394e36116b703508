using DurableTask.Core;

namespace McpFunctions.Tests.Tasks;

/// <summary>Schedules <see cref="RerunActivity"/> once; its result is the orchestration's output.</summary>
internal sealed class RerunOrchestration : TaskOrchestration<string, string>
{
    public override Task<string> RunTask(OrchestrationContext context, string input) =>
        context.ScheduleTask<string>(typeof(RerunActivity), input);
}
