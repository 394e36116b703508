namespace McpFunctions.Tasks;

/// <summary>
/// Marks a tool that may run as an MCP task: for a client that declares the tasks extension (and with
/// <c>Tasks:Enabled</c>), a call answers at once with a task id, and the tool runs on any instance until it is done.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class TaskToolAttribute : Attribute
{
    /// <summary>
    /// The tool only runs as a task: a client that has not declared the extension gets <c>-32021</c>, and the tool does
    /// not run when tasks are off. Otherwise (the default) it runs as an ordinary call for such clients.
    /// </summary>
    public bool Required { get; init; }

    /// <summary>
    /// The tool may be run again from the start when the instance running it died (it is idempotent, or it uses an
    /// idempotency key of its own). Otherwise the task fails with a message that says the work may be half done.
    /// </summary>
    public bool Rerunnable { get; init; }

    /// <summary>
    /// The name of the tool's idempotency-key argument, if it has one. A task whose call gave no key gets one made from
    /// its task id, so a run on another instance after a crash continues the work instead of repeating it: such a tool
    /// is re-run like a <see cref="Rerunnable"/> one.
    /// </summary>
    public string? IdempotencyKeyArgument { get; init; }

    /// <summary>
    /// MRTR first, task second: a call with no input responses runs as an ordinary call, so the tool can ask for
    /// input synchronously (an input-required result); the call that brings the answers becomes the task.
    /// </summary>
    public bool InputBeforeTask { get; init; }
}
