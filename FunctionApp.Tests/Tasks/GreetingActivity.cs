using DurableTask.Core;

namespace McpFunctions.Tests.Tasks;

/// <summary>The spike's activity: reports its start and end to <see cref="ActivityProbe"/> and greets.</summary>
internal sealed class GreetingActivity : AsyncTaskActivity<string, string>
{
    protected override Task<string> ExecuteAsync(TaskContext context, string input)
    {
        ActivityProbe.Started(input);
        // DeliveryAttempt is the queue message's dequeue count: 1 on a first run, more when a lost instance's work is re-run.
        var greeting = $"Hello, {input} (attempt {context.DeliveryAttempt})";
        ActivityProbe.Finished(input);
        return Task.FromResult(greeting);
    }
}
