using System.Diagnostics;
using DurableTask.AzureStorage;
using DurableTask.Core;

namespace McpFunctions.Tests.Tasks;

/// <summary>
/// Spike for issue 12: the Durable Task Framework (DurableTask.Core + DurableTask.AzureStorage) run in process on the
/// run's Azurite. One test proves the round trip; the others print the figures docs/tasks.md quotes.
/// No wall-clock assertions but hang guards.
/// </summary>
[NonParallelizable]
public sealed class DurableTaskOnAzuriteTests
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(60);

    [Test]
    public async Task An_orchestration_started_by_a_client_runs_its_activity_and_its_output_is_read_back()
    {
        await using var worker = await Hub.StartWorkerAsync(NewHubName(), TimeSpan.FromSeconds(1));
        // A second service object on the same hub stands for another app instance: its client shares no in-memory
        // queue objects with the worker, so the worker must find the message by polling.
        using var otherService = Hub.NewService(worker.HubName, TimeSpan.FromSeconds(1), worker.PartitionCount, log: null);
        var client = new TaskHubClient(otherService);

        var instance = await client.CreateOrchestrationInstanceAsync(typeof(GreetingOrchestration), "Ada");
        var state = await client.WaitForOrchestrationAsync(instance, HangGuard);

        Assert.That(state, Is.Not.Null, "the orchestration did not finish within the hang guard");
        Assert.That(state.OrchestrationStatus, Is.EqualTo(OrchestrationStatus.Completed));
        // DurableTask.Core serialises outputs as JSON.
        Assert.That(state.Output, Is.EqualTo("\"Hello, Ada (attempt 1)\""));
        Assert.That(state.OrchestrationInstance.InstanceId, Is.EqualTo(instance.InstanceId));
    }

    [TestCase(4, 1000)]
    [TestCase(1, 750)]
    [Explicit("Measures for docs/tasks.md (about a minute per case); run by name.")]
    public async Task Pickup_latency_from_create_to_activity_start_is_printed(int partitionCount, int maxPollingMs)
    {
        var maxPolling = TimeSpan.FromMilliseconds(maxPollingMs);
        await using var worker = await Hub.StartWorkerAsync(NewHubName(), maxPolling, partitionCount);
        using var otherService = Hub.NewService(worker.HubName, maxPolling, worker.PartitionCount, log: null);
        var otherInstance = new TaskHubClient(otherService);
        var sameInstance = new TaskHubClient(worker.Service);

        // Warm up: the first orchestration pays for JIT and lease acquisition.
        await RunOnceAsync(otherInstance, otherService);

        var fromOther = new List<(TimeSpan Pickup, TimeSpan Completion)>();
        var fromSame = new List<(TimeSpan Pickup, TimeSpan Completion)>();
        for (var i = 0; i < 10; i++)
        {
            // Let the worker's queue pollers back off to MaxQueuePollingInterval (50 ms doubling: about 2.5 s), as on
            // an instance that has been idle.
            await Task.Delay(TimeSpan.FromSeconds(3));
            fromOther.Add(await RunOnceAsync(otherInstance, otherService));
        }

        for (var i = 0; i < 10; i++)
        {
            await Task.Delay(TimeSpan.FromSeconds(3));
            fromSame.Add(await RunOnceAsync(sameInstance, otherService));
        }

        TestContext.Out.WriteLine($"MaxQueuePollingInterval {maxPolling.TotalMilliseconds} ms, {worker.PartitionCount} partitions, worker idle 3 s before each start");
        TestContext.Out.WriteLine($"create -> activity start, client on another service object (another instance): {Describe(fromOther.Select(r => r.Pickup))}");
        TestContext.Out.WriteLine($"create -> activity start, client on the worker's own service object:           {Describe(fromSame.Select(r => r.Pickup))}");
        TestContext.Out.WriteLine($"activity end -> Completed readable from the instance table:                     {Describe(fromOther.Concat(fromSame).Select(r => r.Completion))}");
    }

    [Test]
    [Explicit("Waits out a 40 s activity lock; the spike's evidence for docs/tasks.md, run by name until Tasks/ is built.")]
    public async Task An_activity_whose_instance_dies_is_run_again_on_another_worker_with_a_higher_delivery_attempt()
    {
        // Short leases and lock so the test takes about a minute. The activity lock must stay above 30 s: the dispatcher
        // renews it 30 s before it lapses, checking every 5 s.
        static void Configure(AzureStorageOrchestrationServiceSettings settings)
        {
            settings.WorkItemQueueVisibilityTimeout = TimeSpan.FromSeconds(40);
            settings.LeaseInterval = TimeSpan.FromSeconds(15);
            settings.LeaseRenewInterval = TimeSpan.FromSeconds(5);
            settings.LeaseAcquireInterval = TimeSpan.FromSeconds(5);
        }

        var hubName = NewHubName();
        var maxPolling = TimeSpan.FromSeconds(1);
        var blackout = new StorageBlackout();
        var name = Guid.NewGuid().ToString("N");
        var run = RerunActivity.Expect(name);
        var first = await Hub.StartWorkerAsync(hubName, maxPolling, log: blackout, configure: Configure);
        first.KeepHub();
        Hub? second = null;
        try
        {
            var instance = await new TaskHubClient(first.Service).CreateOrchestrationInstanceAsync(typeof(RerunOrchestration), name);
            await run.FirstStarted.Task.WaitAsync(HangGuard);

            blackout.TurnOn();
            var killedAt = Stopwatch.GetTimestamp();
            second = await Hub.StartWorkerAsync(hubName, maxPolling, configure: Configure);

            var (rerunAt, attempt) = await run.RerunStarted.Task.WaitAsync(TimeSpan.FromSeconds(120));
            var state = await WaitForCompletedAsync(second.Service, instance, TimeSpan.FromSeconds(120));
            var completedAt = Stopwatch.GetTimestamp();

            Assert.That(attempt, Is.GreaterThanOrEqualTo(2));
            Assert.That(state.Output, Is.EqualTo($"\"re-run on delivery {attempt}\""));
            TestContext.Out.WriteLine(
                $"WorkItemQueueVisibilityTimeout 40 s, LeaseInterval 15 s: instance 'killed' -> activity re-run on the other worker " +
                $"{Stopwatch.GetElapsedTime(killedAt, rerunAt).TotalSeconds:F1} s (delivery {attempt}), -> Completed readable " +
                $"{Stopwatch.GetElapsedTime(killedAt, completedAt).TotalSeconds:F1} s");
        }
        finally
        {
            run.Release.TrySetResult();
            blackout.TurnOff();
            // The "dead" worker stops first, while its hub still exists; the second worker then deletes the hub.
            await first.DisposeAsync().AsTask().WaitAsync(HangGuard);
            if (second is not null)
            {
                await second.DisposeAsync();
            }
        }
    }

    private static async Task<OrchestrationState> WaitForCompletedAsync(AzureStorageOrchestrationService reader, OrchestrationInstance instance, TimeSpan guard)
    {
        using var timeout = new CancellationTokenSource(guard);
        while (true)
        {
            var state = await reader.GetOrchestrationStateAsync(instance.InstanceId, instance.ExecutionId);
            if (state?.OrchestrationStatus == OrchestrationStatus.Completed)
            {
                return state;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(25), timeout.Token);
        }
    }

    [TestCase(4, 1000)]
    [TestCase(1, 1000)]
    [TestCase(1, 750)]
    [Explicit("Measures for docs/tasks.md (45 s per case); run by name.")]
    public async Task Idle_storage_requests_of_one_worker_are_printed(int partitionCount, int maxPollingMs)
    {
        var maxPolling = TimeSpan.FromMilliseconds(maxPollingMs);
        var log = new RequestCount();
        await using var worker = await Hub.StartWorkerAsync(NewHubName(), maxPolling, partitionCount, log);

        // Leases are acquired and the pollers back off to the cap within a few seconds of an idle start.
        await Task.Delay(TimeSpan.FromSeconds(15));
        var window = TimeSpan.FromSeconds(30);
        var mark = log.Mark();
        await Task.Delay(window);
        var requests = log.Since(mark);

        var perMinute = requests.Count * (60 / window.TotalSeconds);
        TestContext.Out.WriteLine(
            $"idle worker, MaxQueuePollingInterval {maxPolling.TotalMilliseconds} ms, {partitionCount} partitions: " +
            $"{requests.Count} requests in {window.TotalSeconds} s = {perMinute:F0}/min = {perMinute * 60 * 24:F0}/day");
        foreach (var group in requests.GroupBy(r => r).OrderByDescending(g => g.Count()))
        {
            TestContext.Out.WriteLine($"  {group.Count(),5}  {group.Key}");
        }

        Assert.That(requests, Is.Not.Empty, "the counting policy saw no request: it is not in the worker's pipelines");
    }

    /// <summary>Starts one orchestration; returns create-to-activity-start and activity-end-to-Completed-visible.</summary>
    private static async Task<(TimeSpan Pickup, TimeSpan Completion)> RunOnceAsync(TaskHubClient client, AzureStorageOrchestrationService reader)
    {
        var name = Guid.NewGuid().ToString("N");
        var probe = ActivityProbe.Expect(name);
        var before = Stopwatch.GetTimestamp();
        var instance = await client.CreateOrchestrationInstanceAsync(typeof(GreetingOrchestration), name);
        var startedAt = await probe.Started.Task.WaitAsync(HangGuard);
        var finishedAt = await probe.Finished.Task.WaitAsync(HangGuard);

        // WaitForOrchestrationAsync polls every 2 s; a 25 ms poll of the instance table shows when Completed is readable.
        using var guard = new CancellationTokenSource(HangGuard);
        while (true)
        {
            var state = await reader.GetOrchestrationStateAsync(instance.InstanceId, instance.ExecutionId);
            if (state?.OrchestrationStatus == OrchestrationStatus.Completed)
            {
                break;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(25), guard.Token);
        }

        return (Stopwatch.GetElapsedTime(before, startedAt), Stopwatch.GetElapsedTime(finishedAt));
    }

    private static string Describe(IEnumerable<TimeSpan> durations)
    {
        var milliseconds = durations.Select(d => d.TotalMilliseconds).ToList();
        var sorted = milliseconds.Order().ToList();
        var median = sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
        return $"median {median:F0} ms, min {sorted[0]:F0}, max {sorted[^1]:F0} (n={sorted.Count}: {string.Join(", ", milliseconds.Select(m => m.ToString("F0")))})";
    }

    // Task hub names: letters and digits, starting with a letter, 3 to 45 characters; one per test keeps runs apart.
    private static string NewHubName() => "spike" + Guid.NewGuid().ToString("N")[..12];
}
