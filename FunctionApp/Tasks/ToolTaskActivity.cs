using DurableTask.Core;

namespace McpFunctions.Tasks;

/// <summary>
/// The activity that runs a task's tool. The Durable Task Framework gives activities no cancellation token, so the
/// runner watches the task row for a cancel itself.
/// </summary>
internal sealed class ToolTaskActivity(TaskRunner runner) : AsyncTaskActivity<TaskRef, string>
{
    public const string Name = "RunTool";
    public const string Version = "1";

    protected override Task<string> ExecuteAsync(TaskContext context, TaskRef input) => runner.RunAsync(input, CancellationToken.None);
}
