using System.Threading.Channels;
using Azure;
using Azure.Data.Tables;
using McpFunctions.Hosting;
using McpFunctions.Storage;

namespace McpFunctions.Audit;

/// <summary>
/// Records audit events without making a request wait for storage: <see cref="Record"/> only puts the row in a
/// bounded queue, and this background writer stores what has queued up, one entity-group transaction per partition
/// and 100 rows. A full queue drops the event (counted in <see cref="Dropped"/>, with a warning) and a failed write
/// loses its rows (with a warning): auditing never fails or slows the request it describes.
/// </summary>
/// <remarks>
/// Tool calls that the writer finds queued together (its 250 ms gather, or one pass of up to 1,000 events) with the
/// same user, client, tool and outcome are one row: the first call's time, the number of calls, their mean and
/// longest duration. Sparse calls stay a row each; a client calling a tool hundreds of times a second writes a few
/// rows a second instead of a transaction for every 100 calls, which under load cost more than the calls themselves.
/// </remarks>
internal sealed class AuditTrail : BackgroundService
{
    /// <summary>Rows per entity-group transaction (the Table service's limit).</summary>
    public const int MaxTransactionRows = 100;

    private const int MaxRowsPerPass = 1_000;

    /// <summary>
    /// How long the writer lets events gather after the first one arrives, so light traffic is written in a few
    /// transactions rather than one per tool call (under load the queue fills faster than this anyway).
    /// </summary>
    private static readonly TimeSpan Gather = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(5);

    private readonly StorageTables _tables;
    private readonly TimeProvider _time;
    private readonly ILogger<AuditTrail> _logger;
    private readonly Channel<Pending> _queue;
    private readonly Lock _progress = new();
    private readonly List<(long Target, TaskCompletionSource Done)> _flushes = [];
    private long _recorded;
    private long _handled;
    private long _dropped;
    private readonly WarningThrottle _dropWarning;
    private TaskCompletionSource _flushRequested = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public AuditTrail(StorageTables tables, TimeProvider time, IOptions<AuditOptions> options, ILogger<AuditTrail> logger)
    {
        _tables = tables;
        _time = time;
        _logger = logger;
        _dropWarning = new WarningThrottle(TimeSpan.FromMinutes(1), time);
        Enabled = options.Value.Enabled;
        _queue = Channel.CreateBounded<Pending>(new BoundedChannelOptions(options.Value.QueueCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
            AllowSynchronousContinuations = false,
        });
    }

    /// <summary>False when <c>Audit:Enabled</c> is off: nothing is recorded.</summary>
    public bool Enabled { get; }

    /// <summary>Events dropped because the queue was full, since start.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Queues an event of the principal whose id (<see cref="Auth.Caller.Id"/>) is <paramref name="principalId"/>.</summary>
    public void RecordFor(string principalId, AuditEvent e) => Enqueue(new Pending(principalId, Encoded: false, _time.GetUtcNow(), e));

    /// <summary>Queues an event for the partition <paramref name="partitionKey"/> (an encoded principal id, or <see cref="AuditRows.NoPrincipalPartition"/>). Never blocks, never throws.</summary>
    public void Record(string partitionKey, AuditEvent e) => Enqueue(new Pending(partitionKey, Encoded: true, _time.GetUtcNow(), e));

    /// <remarks>The row itself (key encoding, random row key, the entity) is made by the writer, off the request path.</remarks>
    private void Enqueue(Pending pending)
    {
        if (!Enabled)
        {
            return;
        }

        Interlocked.Increment(ref _recorded);
        if (_queue.Writer.TryWrite(pending))
        {
            return;
        }

        var dropped = Interlocked.Increment(ref _dropped);
        Handled(1);
        if (_dropWarning.Due())
        {
            _logger.LogWarning("The audit queue is full: {Dropped} audit events dropped since start", dropped);
        }
    }

    /// <summary>Completes once every event recorded before the call has been written (or dropped): for tests, and for a clean stop.</summary>
    public Task FlushAsync(CancellationToken cancellationToken)
    {
        var target = Interlocked.Read(ref _recorded);
        lock (_progress)
        {
            if (_handled >= target)
            {
                return Task.CompletedTask;
            }

            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _flushes.Add((target, done));
            // The writer stops gathering and writes now.
            Volatile.Read(ref _flushRequested).TrySetResult();
            return done.Task.WaitAsync(cancellationToken);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var pass = new List<TableEntity>(MaxRowsPerPass);
        // Stopping leaves the writer a few seconds to store what is queued (storage calls are bounded, but a stop
        // must not wait out their retries when storage is down).
        using var writes = new CancellationTokenSource();
        using var stopping = stoppingToken.Register(() => writes.CancelAfter(StopGrace));
        try
        {
            while (await _queue.Reader.WaitToReadAsync(stoppingToken))
            {
                var flush = Volatile.Read(ref _flushRequested).Task;
                if (_queue.Reader.Count < MaxRowsPerPass && !flush.IsCompleted)
                {
                    await Task.WhenAny(Task.Delay(Gather, _time, stoppingToken), flush);
                }

                if (flush.IsCompleted)
                {
                    Volatile.Write(ref _flushRequested, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
                }

                await WritePassAsync(pass, writes.Token);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        while (_queue.Reader.TryPeek(out _) && !writes.IsCancellationRequested)
        {
            await WritePassAsync(pass, writes.Token);
        }
    }

    private async Task WritePassAsync(List<TableEntity> pass, CancellationToken cancellationToken)
    {
        pass.Clear();
        var calls = new Dictionary<(string Partition, string Tool, string Outcome, string? ClientId, string? ClientName), ToolCalls>();
        var read = 0;
        while (read < MaxRowsPerPass && _queue.Reader.TryRead(out var pending))
        {
            read++;
            var partition = pending.Encoded ? pending.Principal : StorageKey.Encode(pending.Principal);
            var e = pending.Event;
            if (e.Kind != AuditKinds.ToolCall)
            {
                pass.Add(AuditRows.ToEntity(partition, pending.At, e));
                continue;
            }

            var key = (partition, e.Action, e.Outcome, e.ClientId, e.ClientName);
            if (calls.TryGetValue(key, out var gathered))
            {
                gathered.Add(e);
            }
            else
            {
                calls[key] = new ToolCalls(pending.At, e);
            }
        }

        pass.AddRange(calls.Select(c => AuditRows.ToEntity(c.Key.Partition, c.Value.First, c.Value.Row())));

        try
        {
            var table = await _tables.GetAsync(StorageNames.Audit, cancellationToken);
            foreach (var partition in pass.GroupBy(row => row.PartitionKey, StringComparer.Ordinal))
            {
                foreach (var chunk in partition.Chunk(MaxTransactionRows))
                {
                    await WriteChunkAsync(table, chunk, cancellationToken);
                }
            }
        }
        catch (Exception e)
        {
            // Whatever went wrong, the writer lives on: a dead writer would drop every later event.
            _logger.LogWarning("Audit events were not all stored ({Fault}); {Rows} were in this pass", StorageFaults.Describe(e), pass.Count);
        }
        finally
        {
            Handled(read);
        }
    }

    private async Task WriteChunkAsync(TableClient table, TableEntity[] chunk, CancellationToken cancellationToken)
    {
        try
        {
            await table.SubmitTransactionAsync(chunk.Select(row => new TableTransactionAction(TableTransactionActionType.Add, row)), cancellationToken);
        }
        catch (Exception e) when (e is RequestFailedException or TableTransactionFailedException || StorageFaults.IsUnavailable(e))
        {
            // Row keys are random, so a retry could only double rows that were stored; the loss is logged instead.
            _logger.LogWarning("{Rows} audit events were not stored ({Fault})", chunk.Length, StorageFaults.Describe(e));
        }
    }

    private void Handled(int count)
    {
        lock (_progress)
        {
            _handled += count;
            for (var i = _flushes.Count - 1; i >= 0; i--)
            {
                if (_flushes[i].Target <= _handled)
                {
                    _flushes[i].Done.TrySetResult();
                    _flushes.RemoveAt(i);
                }
            }
        }
    }

    /// <summary>Tool calls of one user, client, tool and outcome gathered in one pass, from the first one's time.</summary>
    private sealed class ToolCalls(DateTimeOffset first, AuditEvent firstCall)
    {
        private int _calls = 1;
        private double _total = firstCall.DurationMs ?? 0;
        private double _max = firstCall.DurationMs ?? 0;

        public DateTimeOffset First => first;

        public void Add(AuditEvent call)
        {
            _calls++;
            _total += call.DurationMs ?? 0;
            _max = Math.Max(_max, call.DurationMs ?? 0);
        }

        public AuditEvent Row() => _calls == 1 ? firstCall : firstCall with { Calls = _calls, DurationMs = _total / _calls, MaxDurationMs = _max };
    }

    /// <summary>A queued event: <paramref name="Principal"/> is a partition key when <paramref name="Encoded"/>, else a principal id.</summary>
    private readonly record struct Pending(string Principal, bool Encoded, DateTimeOffset At, AuditEvent Event);
}
