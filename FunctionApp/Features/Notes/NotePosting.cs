using Azure.Data.Tables;

namespace McpFunctions.Features.Notes;

/// <summary>
/// A walk over one term's index rows (<see cref="NoteIndex"/>), newest note first, that can skip ahead: a skip past the
/// rows it holds starts a new range query at the target instead of reading the rows in between.
/// </summary>
internal sealed class NotePosting(TableClient table, string partitionKey, string term)
{
    /// <summary>Rows read by the first query; each further query reads four times more, up to 1,000 (one page).</summary>
    private const int FirstPage = 16;
    private const int MaxPage = 1000;

    private IReadOnlyList<TableEntity> _page = [];
    private int _position;
    private bool _more = true;
    private int _pageSize = FirstPage;

    public string Term => term;

    /// <summary>The row the last <see cref="SeekAsync"/> found (its ETag and timestamp included).</summary>
    public TableEntity? Current { get; private set; }

    /// <summary>
    /// The next note id after <paramref name="after"/> (exclusive; null for the start) that every posting has, or null
    /// when one of them has no more.
    /// </summary>
    public static async Task<string?> NextCommonAsync(NotePosting[] postings, string? after, CancellationToken cancellationToken)
    {
        var target = after;
        var inclusive = false;
        while (true)
        {
            if (await postings[0].SeekAsync(target, inclusive, cancellationToken) is not { } candidate)
            {
                return null;
            }

            var agreed = true;
            for (var i = 1; i < postings.Length && agreed; i++)
            {
                if (await postings[i].SeekAsync(candidate, inclusive: true, cancellationToken) is not { } other)
                {
                    return null;
                }

                if (other != candidate)
                {
                    // Another term's next note is older: skip every posting to it.
                    (target, inclusive, agreed) = (other, true, false);
                }
            }

            if (agreed)
            {
                return candidate;
            }
        }
    }

    /// <summary>The first note id at or after (or strictly after) <paramref name="target"/>; null when there is none.</summary>
    private async Task<string?> SeekAsync(string? target, bool inclusive, CancellationToken cancellationToken)
    {
        while (_position < _page.Count && IsBefore(NoteId(_page[_position]), target, inclusive))
        {
            _position++;
        }

        if (_position >= _page.Count)
        {
            if (!_more)
            {
                return End();
            }

            await ReadFromAsync(target, inclusive, cancellationToken);
            if (_page.Count == 0)
            {
                return End();
            }
        }

        Current = _page[_position];
        return NoteId(Current);
    }

    private async Task ReadFromAsync(string? target, bool inclusive, CancellationToken cancellationToken)
    {
        var (from, to) = NoteIndex.Range(term);
        var start = target is null ? from : NoteIndex.RowKey(term, target);
        var filter = target is not null && !inclusive
            ? TableClient.CreateQueryFilter($"PartitionKey eq {partitionKey} and RowKey gt {start} and RowKey lt {to}")
            : TableClient.CreateQueryFilter($"PartitionKey eq {partitionKey} and RowKey ge {start} and RowKey lt {to}");
        _page = [];
        _position = 0;
        _more = false;
        // A page can come back empty with a continuation (the service stops at a time or partition boundary): follow it.
        await foreach (var page in table.QueryAsync<TableEntity>(filter, _pageSize, ["PartitionKey", "RowKey", "Timestamp"], cancellationToken).AsPages(pageSizeHint: _pageSize))
        {
            if (page.Values.Count > 0 || page.ContinuationToken is null)
            {
                _page = page.Values;
                _more = page.ContinuationToken is not null;
                break;
            }
        }

        _pageSize = Math.Min(_pageSize * 4, MaxPage);
    }

    private string? End()
    {
        Current = null;
        return null;
    }

    private string NoteId(TableEntity row) => NoteIndex.NoteId(term, row.RowKey);

    private static bool IsBefore(string id, string? target, bool inclusive)
    {
        if (target is null)
        {
            return false;
        }

        var order = string.CompareOrdinal(id, target);
        return inclusive ? order < 0 : order <= 0;
    }
}
