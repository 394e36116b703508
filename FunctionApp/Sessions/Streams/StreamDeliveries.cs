namespace McpFunctions.Sessions.Streams;

/// <summary>
/// Tells a POST response stream's event writer whether its whole response reached the client. SessionStreamRouting
/// opens a ticket around each POST; the writer, created inside that request, holds on to it. A stream delivered
/// in full never needs replaying, so its buffered events are dropped instead of stored.
/// </summary>
internal static class StreamDeliveries
{
    private static readonly AsyncLocal<DeliveryTicket?> Ticket = new();

    /// <summary>The ticket of the POST request being handled on this async flow, if any.</summary>
    public static DeliveryTicket? Current => Ticket.Value;

    /// <summary>Starts a ticket for the current request; dispose it when the request ends.</summary>
    public static Scope Begin() => new(Ticket.Value = new DeliveryTicket());

    /// <summary>Restores the flow when the request is done.</summary>
    public readonly struct Scope(DeliveryTicket ticket) : IDisposable
    {
        public DeliveryTicket Ticket => ticket;

        public void Dispose() => StreamDeliveries.Ticket.Value = null;
    }
}

/// <summary>Set once the response of the request that created a stream was written in full.</summary>
internal sealed class DeliveryTicket
{
    private readonly object _gate = new();
    private volatile bool _delivered;
    private Action? _onDelivered;

    public bool Delivered => _delivered;

    /// <summary>Runs <paramref name="callback"/> once the response is delivered (at once if it already is).</summary>
    public void OnDelivered(Action callback)
    {
        lock (_gate)
        {
            if (!_delivered)
            {
                _onDelivered += callback;
                return;
            }
        }

        callback();
    }

    public void MarkDelivered()
    {
        Action? callbacks;
        lock (_gate)
        {
            _delivered = true;
            callbacks = _onDelivered;
            _onDelivered = null;
        }

        callbacks?.Invoke();
    }
}
