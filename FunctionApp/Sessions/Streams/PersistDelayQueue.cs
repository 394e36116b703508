
namespace McpFunctions.Sessions.Streams;

/// <summary>
/// Tells POST-stream writers when their persist delay (<see cref="EventStoreOptions.EventPersistDelay"/>) has passed,
/// unless they stop waiting first because their response was delivered.
/// </summary>
/// <remarks>
/// One loop serves every writer: a timer per request costs measurably more at thousands of calls per second. The
/// queue of due times holds no references: a writer dropped at delivery leaves the map at once and is collected
/// young, instead of being kept (and promoted by the GC) until its delay ends. The delay is the same for every
/// writer, so the queue is in due order.
/// </remarks>
internal sealed class PersistDelayQueue(TimeProvider time, IOptionsMonitor<EventStoreOptions> options)
{
    private readonly Lock _gate = new();
    private readonly Queue<(long DueTimestamp, long Ticket)> _waiting = new();
    private readonly Dictionary<long, PostStreamWriter> _writers = [];
    private long _lastTicket;
    private bool _loopRunning;
    private bool _stopping;

    /// <summary>Zero once the instance is stopping: a stream that may be cut off stores its events at once.</summary>
    public TimeSpan Delay => _stopping ? TimeSpan.Zero : options.CurrentValue.EventPersistDelay;

    /// <summary>
    /// The instance is stopping (scale-in): every waiting writer stores its events now instead of after its delay,
    /// so a client whose stream is cut off can resume it on another instance; later writers store at once.
    /// </summary>
    public void PersistAllNow()
    {
        List<PostStreamWriter> due;
        lock (_gate)
        {
            _stopping = true;
            due = [.. _writers.Values];
            _writers.Clear();
            _waiting.Clear();
            _loopRunning = false;
        }

        foreach (var writer in due)
        {
            writer.DelayElapsed();
        }
    }

    /// <summary>Calls <see cref="PostStreamWriter.DelayElapsed"/> once the delay has passed; returns the ticket to stop waiting.</summary>
    public long Wait(PostStreamWriter writer)
    {
        lock (_gate)
        {
            var ticket = ++_lastTicket;
            _waiting.Enqueue((time.GetTimestamp() + (long)(Delay.TotalSeconds * time.TimestampFrequency), ticket));
            _writers.Add(ticket, writer);
            if (!_loopRunning)
            {
                _loopRunning = true;
                _ = Task.Run(LoopAsync);
            }

            return ticket;
        }
    }

    public void StopWaiting(long ticket)
    {
        lock (_gate)
        {
            _writers.Remove(ticket);
        }
    }

    /// <summary>Hands each waiting writer its delay's end, at most a tick late; stops when no writer waits.</summary>
    private async Task LoopAsync()
    {
        var tick = TimeSpan.FromMilliseconds(Math.Clamp(Delay.TotalMilliseconds / 5, 5, 100));
        var due = new List<PostStreamWriter>();
        while (true)
        {
            await Task.Delay(tick, time);
            var now = time.GetTimestamp();
            lock (_gate)
            {
                while (_waiting.TryPeek(out var next) && next.DueTimestamp <= now)
                {
                    _waiting.Dequeue();
                    if (_writers.Remove(next.Ticket, out var writer))
                    {
                        due.Add(writer);
                    }
                }

                if (_waiting.Count == 0 && due.Count == 0)
                {
                    _loopRunning = false;
                    return;
                }
            }

            foreach (var writer in due)
            {
                writer.DelayElapsed();
            }

            due.Clear();
        }
    }
}
