using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using McpFunctions.Auth;
using McpFunctions.Mcp;
using McpFunctions.Sessions.Cluster;

namespace McpFunctions.Tasks;

/// <summary>
/// Runs a task's tool on the instance whose worker took the task, with the owner's identity and the same filters as a
/// direct call (audit, argument checks, domain errors), and writes the outcome into the task row. It watches the row
/// while the tool runs: a cancel reaches the tool's cancellation token within <see cref="TaskOptions.CheckInterval"/>.
/// </summary>
internal sealed class TaskRunner(
    TaskStore store,
    LocalInstance self,
    InstanceRegistry instances,
    IServiceProvider services,
    IOptionsFactory<McpServerOptions> serverOptions,
    IOptions<TaskOptions> options,
    IHostApplicationLifetime lifetime,
    TimeProvider time,
    ILogger<TaskRunner> logger)
{
    public const string InstanceStoppedMessage =
        "The server instance running this task stopped before the tool finished, and this tool cannot safely be run " +
        "again from the start, so the task failed. Call the tool again if its work is still wanted.";

    public const string InterruptedMessage =
        "The task's run was interrupted because storage did not answer, and this tool cannot safely be run again from " +
        "the start, so the task failed. Call the tool again if its work is still wanted.";

    private readonly ConcurrentDictionary<string, DateTimeOffset> _lastProgress = new(StringComparer.Ordinal);

    /// <summary>
    /// Runs the task once: claims it, runs the tool, and stores the outcome. Returns the final status. When storage
    /// does not answer, it throws, and the orchestration's retry runs it again (a tool that is not re-runnable then
    /// fails with a message rather than running twice).
    /// </summary>
    public async Task<string> RunAsync(TaskRef task, CancellationToken stopping)
    {
        var current = await store.FindAsync(task.Partition, task.Id, stopping);
        if (current is null || current.IsTerminal)
        {
            return current?.Status ?? "expired";
        }

        if (current.Attempt > 0 && current.RunningOn != self.Id && current.RunningOn is { } other && await instances.IsAliveAsync(other, stopping))
        {
            // A second delivery while the first run goes on (its lock renewal failed once): leave the task to it.
            logger.LogWarning("Task {TaskId} is already running on instance {Instance}; this delivery does nothing", task.Id, other);
            return current.Status;
        }

        var claimed = false;
        var row = await store.UpdateAsync(task.Partition, task.Id, r =>
        {
            claimed = false;
            if (r.IsTerminal)
            {
                return false;
            }

            if (r.CancelRequested)
            {
                r.Status = TaskStatuses.Cancelled;
                return true;
            }

            if (r.Attempt > 0 && !r.Rerunnable)
            {
                Fail(r, (int)McpErrorCode.InternalError, r.RunningOn == self.Id ? InterruptedMessage : InstanceStoppedMessage);
                return true;
            }

            r.Attempt++;
            r.RunningOn = self.Id;
            r.Status = r.InputRequests is null ? TaskStatuses.Working : r.Status;
            claimed = true;
            return true;
        }, stopping, read: current);
        if (row is null || !claimed)
        {
            return row?.Status ?? "expired";
        }

        if (row.Attempt > 1)
        {
            logger.LogInformation("Task {TaskId} ({Tool}) is run again from the start (attempt {Attempt}): the instance running it stopped", row.Id, row.Tool, row.Attempt);
        }

        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(stopping, lifetime.ApplicationStopping);
        var watch = WatchAsync(row, cancel);
        try
        {
            var result = await InvokeAsync(row, cancel.Token);
            var json = JsonSerializer.Serialize(result, McpJsonUtilities.DefaultOptions);
            if (System.Text.Encoding.UTF8.GetByteCount(json) > options.Value.MaxResultBytes)
            {
                return await FinishAsync(row, r => Fail(r, (int)McpErrorCode.InternalError,
                    $"The tool's result is larger than the {options.Value.MaxResultBytes:N0} bytes a task keeps. Ask for less, for example with a filter or a smaller page."));
            }

            return await FinishAsync(row, r =>
            {
                r.Status = TaskStatuses.Completed;
                r.Result = json;
                r.StatusMessage = null;
            });
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested && !stopping.IsCancellationRequested && !lifetime.ApplicationStopping.IsCancellationRequested)
        {
            // tasks/cancel already wrote the cancelled status; this makes sure of it if the row changed meanwhile.
            return await FinishAsync(row, r => r.Status = TaskStatuses.Cancelled);
        }
        catch (McpProtocolException e)
        {
            return await FinishAsync(row, r => Fail(r, (int)e.ErrorCode, e.Message));
        }
        catch (Exception e) when (!Storage.StorageFaults.IsUnavailable(e) && e is not OperationCanceledException)
        {
            logger.LogError(e, "Task {TaskId} ({Tool}) failed outside the tool", row.Id, row.Tool);
            return await FinishAsync(row, r => Fail(r, (int)McpErrorCode.InternalError, "The task failed on the server. Call the tool again."));
        }
        finally
        {
            await cancel.CancelAsync();
            await watch;
            _lastProgress.TryRemove(row.Id, out _);
        }
    }

    /// <summary>
    /// Makes <paramref name="requests"/> the task's input requests (status <c>input_required</c>) and waits until
    /// <c>tasks/update</c> has answered every one of them; then the task is working again.
    /// </summary>
    public async Task<IDictionary<string, InputResponse>> AskAsync(TaskRow task, IDictionary<string, InputRequest> requests, CancellationToken cancellationToken)
    {
        var asked = await store.UpdateAsync(task.Partition, task.Id, r =>
        {
            var answered = TaskJson.Responses(r.InputResponses);
            var open = requests.Where(q => !answered.ContainsKey(q.Key)).ToDictionary();
            if (r.IsTerminal || open.Count == 0)
            {
                return false;
            }

            r.Status = TaskStatuses.InputRequired;
            r.InputRequests = TaskJson.Write(open);
            return true;
        }, cancellationToken);
        while (true)
        {
            var row = asked ?? await store.FindAsync(task.Partition, task.Id, cancellationToken);
            asked = null;
            if (row is null || row.IsTerminal)
            {
                throw new OperationCanceledException("The task ended while it waited for input.");
            }

            var answered = TaskJson.Responses(row.InputResponses);
            if (requests.Keys.All(answered.ContainsKey))
            {
                await store.UpdateAsync(task.Partition, task.Id, r =>
                {
                    if (r.IsTerminal || r.Status != TaskStatuses.InputRequired)
                    {
                        return false;
                    }

                    r.Status = TaskStatuses.Working;
                    r.InputRequests = null;
                    return true;
                }, cancellationToken);
                return requests.Keys.ToDictionary(key => key, key => answered[key]);
            }

            await Task.Delay(options.Value.CheckInterval, time, cancellationToken);
        }
    }

    /// <summary>The tool's progress, as the task's status message; written at most once per check interval.</summary>
    public async Task ReportProgressAsync(TaskRow task, JsonNode progress, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (_lastProgress.TryGetValue(task.Id, out var last) && now - last < options.Value.CheckInterval)
        {
            return;
        }

        _lastProgress[task.Id] = now;
        var value = progress["progress"]?.GetValue<double>();
        var total = progress["total"]?.GetValue<double>();
        var message = progress["message"]?.GetValue<string>()
            ?? (total is > 0 && value is { } done ? $"{done:0.##} of {total:0.##}" : value is { } n ? $"{n:0.##}" : null);
        if (message is null)
        {
            return;
        }

        await store.UpdateAsync(task.Partition, task.Id, r =>
        {
            if (r.IsTerminal || r.StatusMessage == message)
            {
                return false;
            }

            r.StatusMessage = message;
            return true;
        }, cancellationToken);
    }

    private async Task<CallToolResult> InvokeAsync(TaskRow row, CancellationToken cancellationToken)
    {
        var mcp = serverOptions.Create(Options.DefaultName);
        if (mcp.ToolCollection?.TryGetPrimitive(row.Tool, out var tool) != true)
        {
            throw new McpProtocolException($"Tool '{row.Tool}' is no longer served.", McpErrorCode.InvalidParams);
        }

        var user = PrincipalClaims.Deserialize(row.OwnerClaims);
        var capabilities = row.ClientCapabilities is null ? null : JsonSerializer.Deserialize<ClientCapabilities>(row.ClientCapabilities, McpJsonUtilities.DefaultOptions);
        await using var scope = services.CreateAsyncScope();
        var server = new TaskRunServer(this, row, mcp, scope.ServiceProvider, capabilities);
        var parameters = new CallToolRequestParams
        {
            Name = row.Tool,
            Arguments = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(row.Arguments),
            // A progress token, so that a tool's IProgress reports reach the task's status message.
            Meta = new JsonObject { ["progressToken"] = row.Id },
        };
        (parameters.InputResponses, parameters.RequestState) = TaskJson.Continuation(row.Continuation);
        var pipeline = ToolCallAudit.Filter(ToolErrors(ToolArgumentCheck.Filter(DomainErrors.ToolFilter((context, ct) => tool!.InvokeAsync(context, ct)))));
        while (true)
        {
            var request = new JsonRpcRequest
            {
                Id = new RequestId(row.Id),
                Method = RequestMethods.ToolsCall,
                Params = JsonSerializer.SerializeToNode(parameters, McpJsonUtilities.DefaultOptions),
                Context = new JsonRpcMessageContext { User = user },
            };
            var context = new RequestContext<CallToolRequestParams>(server, request, parameters)
            {
                Services = scope.ServiceProvider,
                MatchedPrimitive = tool,
            };
            try
            {
                return await pipeline(context, cancellationToken);
            }
            catch (InputRequiredException e)
            {
                // An MRTR tool asks for input by returning; as a task it waits here, then runs again with the answers.
                var answers = await AskAsync(row, e.Result.InputRequests ?? new Dictionary<string, InputRequest>(), cancellationToken);
                parameters.InputResponses = answers;
                parameters.RequestState = e.Result.RequestState;
            }
        }
    }

    /// <summary>What the SDK does for a direct call: a tool's exception becomes an error result, except a protocol error.</summary>
    private McpRequestHandler<CallToolRequestParams, CallToolResult> ToolErrors(McpRequestHandler<CallToolRequestParams, CallToolResult> next) =>
        async (context, cancellationToken) =>
        {
            try
            {
                return await next(context, cancellationToken);
            }
            catch (Exception e) when (e is not (McpProtocolException or OperationCanceledException or InputRequiredException))
            {
                if (e is not McpException)
                {
                    logger.LogError(e, "Tool {Tool} failed in task {TaskId}", context.Params?.Name, context.JsonRpcRequest.Id);
                }

                return DomainErrors.ToolError(context, e is McpException ? e.Message : null);
            }
        };

    /// <summary>Cancels the run when the task is cancelled or gone: one point read per check interval.</summary>
    private async Task WatchAsync(TaskRow row, CancellationTokenSource cancel)
    {
        try
        {
            while (!cancel.IsCancellationRequested)
            {
                await Task.Delay(options.Value.CheckInterval, time, cancel.Token);
                var current = await store.FindAsync(row.Partition, row.Id, cancel.Token);
                if (current is null || current.CancelRequested || current.Status == TaskStatuses.Cancelled)
                {
                    await cancel.CancelAsync();
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception e)
        {
            // A storage fault in the watch does not stop the tool; the next run of the watch is not attempted.
            logger.LogWarning("Task {TaskId}: watching for a cancel failed: {Fault}", row.Id, Storage.StorageFaults.Describe(e));
        }
    }

    private async Task<string> FinishAsync(TaskRow row, Action<TaskRow> finish)
    {
        var done = await store.UpdateAsync(row.Partition, row.Id, r =>
        {
            if (r.IsTerminal && r.RunningOn != self.Id)
            {
                return false;
            }

            // A final status set meanwhile (tasks/cancel) stays; the run only says it is over.
            if (!r.IsTerminal)
            {
                finish(r);
            }

            r.InputRequests = null;
            r.RunningOn = null;
            return true;
        }, CancellationToken.None);
        return done?.Status ?? "expired";
    }

    private static void Fail(TaskRow row, int code, string message)
    {
        row.Status = TaskStatuses.Failed;
        row.Error = JsonSerializer.Serialize(new JsonRpcErrorDetail { Code = code, Message = message }, McpJsonUtilities.DefaultOptions);
        row.StatusMessage = message;
    }
}
