namespace McpFunctions.Mcp;

/// <summary>A bounded record of recent delivery latencies per relay kind.</summary>
public sealed class RecentLatencies(int capacity)
{
    private readonly object _gate = new();
    private readonly Dictionary<string, Queue<double>> _byKind = new(StringComparer.Ordinal);

    public void Add(string kind, double milliseconds)
    {
        lock (_gate)
        {
            if (!_byKind.TryGetValue(kind, out var queue))
            {
                _byKind[kind] = queue = new Queue<double>(capacity);
            }

            if (queue.Count == capacity)
            {
                queue.Dequeue();
            }

            queue.Enqueue(milliseconds);
        }
    }

    public IReadOnlyList<double> Of(string kind)
    {
        lock (_gate)
        {
            return _byKind.TryGetValue(kind, out var queue) ? queue.ToArray() : [];
        }
    }
}
